"""Shared pytest setup. Server fixtures live in ``tests/servers/`` as plugins."""

pytest_plugins: list[str] = [
    # "servers.<module>" for each fixture module, e.g. "servers.mailstack"
    "servers.bind",
    "servers.powerdns",
    "servers.capture_smtp",
    "servers.mailstack",
]

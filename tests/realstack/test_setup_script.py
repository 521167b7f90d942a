"""scripts/_setup.sh, which ./scripts/test uses to install the real servers: a failed install says why."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SETUP = Path(__file__).resolve().parents[2] / "scripts" / "_setup.sh"

FAKES = {
    "id": "echo 0",  # as root, so need_debs goes on to apt-get
    "dpkg-query": "exit 1",  # nothing installed
    "debconf-set-selections": "cat >/dev/null",
    "apt-get": (
        '[ "$1" = update ] && exit 0\n'
        'echo "Reading package lists..."\n'
        'echo "E: Unable to locate package $(echo "$@" | tr " " "\\n" | tail -n 1)" >&2\n'
        "exit 100"
    ),
}


def test_a_failed_apt_install_names_the_packages_and_shows_apts_error(tmp_path: Path) -> None:
    if not Path("/usr/sbin/policy-rc.d").exists() and not os.access("/usr/sbin", os.W_OK):
        pytest.skip("need_debs would first write /usr/sbin/policy-rc.d, which needs root")
    for name, body in FAKES.items():
        fake = tmp_path / name
        fake.write_text(f"#!/bin/sh\n{body}\n")
        fake.chmod(0o755)
    result = subprocess.run(
        ["bash", "-c", f'source "{SETUP}"; need_debs postfix no-such-package; echo "went on"'],
        env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "went on" not in result.stdout
    assert "could not install these Debian packages: postfix no-such-package" in result.stderr
    assert "E: Unable to locate package no-such-package" in result.stderr

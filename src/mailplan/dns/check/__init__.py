"""``mailplan check``: mail DNS rules run against live DNS, and live compared with what the config derives."""

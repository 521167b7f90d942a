"""Real servers (Postfix, Dovecot, BIND, PowerDNS) and fakes, started on loopback by fixtures."""

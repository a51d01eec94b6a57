"""Real servers and helpers that tests start: Dovecot, aiosmtpd, Redis."""

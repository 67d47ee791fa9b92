"""Real servers (Radicale, Dovecot) started by the test suite on 127.0.0.1."""

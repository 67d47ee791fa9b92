"""kaffe.rules."""

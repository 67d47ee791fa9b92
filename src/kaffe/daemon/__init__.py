"""kaffe.daemon."""

"""kaffe.store."""

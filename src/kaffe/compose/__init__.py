"""kaffe.compose."""

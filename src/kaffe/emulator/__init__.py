"""kaffe.emulator."""

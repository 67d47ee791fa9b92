"""Sources and sinks: the only modules that talk to the outside world."""

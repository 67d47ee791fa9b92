"""kaffe: coffee meetings become follow-up drafts; your network stays warm."""

__version__ = "0.1.0"

"""Configuration: typed schema, TOML loading and located validation."""

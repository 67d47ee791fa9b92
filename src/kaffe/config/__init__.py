"""Configuration: typed schema, TOML loading and located validation."""

from __future__ import annotations

from kaffe.config.loader import example_text, load, loads, write_example
from kaffe.config.schema import Config

__all__ = ["Config", "example_text", "load", "loads", "write_example"]

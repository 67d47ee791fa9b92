"""Relevance: which new articles match which contact's topics, and why.

:mod:`.index` (numpy, the stemmers) is imported when the first article is
indexed, never by importing this package: a configuration without feeds does
without it (:mod:`.empty` stands in until then)."""

"""Topic memory from files: the notes folder (``[topics] notes_dir``)."""

from __future__ import annotations

from kaffe.topics.notes import NotesRead, read_notes, refresh_notes

__all__ = ["NotesRead", "read_notes", "refresh_notes"]

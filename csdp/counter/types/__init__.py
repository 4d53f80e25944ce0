"""Structured business types shipped with the counter itself (other apps register theirs the same way)."""

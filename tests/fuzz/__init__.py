"""Fuzz tests of every parser: only the package's own clear errors may escape (issue #8)."""

"""Command group placeholder: filled in by the motion work."""

from __future__ import annotations

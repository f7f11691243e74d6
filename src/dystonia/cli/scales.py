"""Command group placeholder: filled in by the scales work."""

from __future__ import annotations

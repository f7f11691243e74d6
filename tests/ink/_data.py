"""Shared real data for the ink tests (read in place from ../shared/data, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
UCI = DATA / "uci-spiral"


def uci(name: str) -> Path:
    """A UCI spiral file by name, from the control or parkinson folder."""
    for folder in ("control", "parkinson"):
        path = UCI / folder / name
        if path.exists():
            return path
    pytest.fail(f"shared data missing: {UCI}/*/{name}")

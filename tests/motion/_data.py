"""Locations of the shared real recordings used by the motion tests (never copied here)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
PPP_CSV = DATA / "paradigma-ppp" / "ppp_watch_12min.csv"
PPP_PREDICTIONS = DATA / "paradigma-ppp" / "4.predictions" / "tremor"
CLOUDUPDRS_2458 = DATA / "cloudupdrs" / "2458"


def cloudupdrs_task(task: str) -> Path:
    """The CloudUPDRS 2458 file whose name starts with ``T_-_{task}``."""
    found = sorted(CLOUDUPDRS_2458.glob(f"T_-_{task}_-_*.csv"))
    if not found:
        pytest.fail(f"CloudUPDRS file for {task} not found under {CLOUDUPDRS_2458}")
    return found[0]


def require(path: Path) -> Path:
    """Fail with the path when a shared data file is absent (../shared/data is always present in CI)."""
    if not path.exists():
        pytest.fail(f"shared data missing: {path}")
    return path

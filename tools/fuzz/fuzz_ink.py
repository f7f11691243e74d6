"""Fuzz the pen readers of ``dystonia.ink`` with atheris (see docs/fuzzing.md).

The first input byte picks the file name (and so the extension check) and the format (auto or
forced); the rest is the file. Seeds: the seeds of tests/fuzz/test_ink.py (a real UCI spiral
file, and SVC, InkML, contract CSV and pointer JSON made from a synthetic spiral).
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris
from _harness import run, scratch_file

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports(include=["dystonia"]):
    from dystonia.ink import read_ink
    from dystonia.ink.io import FORMATS

from tests.fuzz.test_ink import SEEDS as _SEEDS

NAMES = sorted(_SEEDS)
CHOICES = [(name, fmt) for name in NAMES for fmt in ("auto", *FORMATS)]
SEEDS = {name: bytes([CHOICES.index((name, "auto"))]) + data for name, data in _SEEDS.items()}
PATHS = {name: scratch_file(Path(name).suffix) for name in NAMES}
#: Known open defects (none: every one found so far is fixed and guarded by a test in
#: tests/fuzz); add (exception type, innermost package function) pairs here to tally one.
KNOWN: frozenset[tuple[str, str]] = frozenset()


def one_input(data: bytes) -> str | None:
    if not data:
        return "empty"
    name, fmt = CHOICES[data[0] % len(CHOICES)]
    PATHS[name].write_bytes(data[1:])
    read_ink(PATHS[name], format=fmt)
    return None


if __name__ == "__main__":
    run("ink", one_input, seeds=SEEDS, known=KNOWN)
    sys.exit(0)

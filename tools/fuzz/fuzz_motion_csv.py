"""Fuzz the contract CSV and CloudUPDRS CSV readers with atheris (see docs/fuzzing.md).

Seeds: the first 60 lines of ``paradigma-ppp/ppp_watch_12min.csv`` and a CloudUPDRS-shaped
file made from them. The first input byte picks the reader (contract CSV, CloudUPDRS, auto).
"""

from __future__ import annotations

import sys

import atheris
from _harness import SHARED, run, scratch_file

with atheris.instrument_imports(include=["dystonia"]):
    from dystonia.motion.io import iter_recording, read_recording

PATH = scratch_file(".csv")
FORMATS = ("csv", "cloudupdrs", "auto")
_LINES = (SHARED / "paradigma-ppp" / "ppp_watch_12min.csv").read_bytes().splitlines(keepends=True)
_ROWS = [line.split(b",") for line in _LINES[1:60]]
SEEDS = {
    "contract": b"\x00" + b"".join(_LINES[:60]),
    "cloudupdrs": b"\x01"
    + b"".join(b"%d,%s,%s,%s,3\n" % (int(float(r[0]) * 1e9), r[1], r[2], r[3]) for r in _ROWS),
}
#: Known open defects (none: every one found so far is fixed and guarded by a test in
#: tests/fuzz); add (exception type, innermost package function) pairs here to tally one.
KNOWN: frozenset[tuple[str, str]] = frozenset()


def one_input(data: bytes) -> str | None:
    if not data:
        return "empty"
    fmt = FORMATS[data[0] % len(FORMATS)]
    PATH.write_bytes(data[1:])
    read_recording(PATH, format=fmt)
    for _ in iter_recording(PATH, format=fmt, chunk_s=0.5):
        pass
    return None


if __name__ == "__main__":
    run("motion-csv", one_input, seeds=SEEDS, known=KNOWN)
    sys.exit(0)

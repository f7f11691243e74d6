"""Fuzz the Axivity ``.cwa`` reader with atheris (coverage-guided, libFuzzer).

Run by hand, e.g. ``python tools/fuzz/fuzz_cwa.py -max_total_time=60`` (see docs/fuzzing.md).
Seeds: the real AX3/AX6 files of ``../shared/data/device-files`` trimmed to 24 blocks. Each
input is read whole, in 1 s chunks and as decoded; only ``DystoniaError`` may escape.
"""

from __future__ import annotations

import sys

import atheris
from _harness import SHARED, run, scratch_file

with atheris.instrument_imports(include=["dystonia"]):
    from dystonia.motion.io import iter_recording, read_recording

PATH = scratch_file(".cwa")
SEEDS = {
    p.name: p.read_bytes()[: 1024 + 24 * 512]
    for p in sorted((SHARED / "device-files").iterdir())
    if p.suffix.lower() == ".cwa"
}
#: Known open defects (none: every one found so far is fixed and guarded by a test in
#: tests/fuzz); add (exception type, innermost package function) pairs here to tally one.
KNOWN: frozenset[tuple[str, str]] = frozenset()


def one_input(data: bytes) -> str | None:
    PATH.write_bytes(data)
    read_recording(PATH, format="cwa")
    for _ in iter_recording(PATH, format="cwa", chunk_s=1.0):
        pass
    return None


if __name__ == "__main__":
    run("cwa", one_input, seeds=SEEDS, known=KNOWN)
    sys.exit(0)

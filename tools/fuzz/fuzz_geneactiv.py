"""Fuzz the GENEActiv ``.bin`` reader with atheris (see docs/fuzzing.md).

Seeds: both real ``.bin`` files of ``../shared/data/device-files`` (the 64 KiB one trimmed).
"""

from __future__ import annotations

import sys

import atheris
from _harness import SHARED, run, scratch_file

with atheris.instrument_imports(include=["dystonia"]):
    from dystonia.motion.io import iter_recording, read_recording

PATH = scratch_file(".bin")
SEEDS = {
    "skdh_gnactv_sample.bin": (SHARED / "device-files" / "skdh_gnactv_sample.bin").read_bytes(),
    "ggirread_GENEActiv_testfile.bin": (
        SHARED / "device-files" / "ggirread_GENEActiv_testfile.bin"
    ).read_bytes()[:20000],
}
#: Known open defects (none: every one found so far is fixed and guarded by a test in
#: tests/fuzz); add (exception type, innermost package function) pairs here to tally one.
KNOWN: frozenset[tuple[str, str]] = frozenset()


def one_input(data: bytes) -> str | None:
    PATH.write_bytes(data)
    read_recording(PATH, format="bin")
    for _ in iter_recording(PATH, format="bin", chunk_s=1.0):
        pass
    return None


if __name__ == "__main__":
    run("geneactiv", one_input, seeds=SEEDS, known=KNOWN)
    sys.exit(0)

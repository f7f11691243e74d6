"""Fuzz the contract Parquet reader with atheris (see docs/fuzzing.md).

Seeds: the first 300 rows of ``paradigma-ppp/ppp_watch_12min.csv`` written as Parquet with
several codecs and row-group sizes, and an accelerometer-only float32 file.
"""

from __future__ import annotations

import io
import sys

import atheris
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from _harness import SHARED, run, scratch_file

with atheris.instrument_imports(include=["dystonia"]):
    from dystonia.motion.io import iter_recording, read_recording

PATH = scratch_file(".parquet")
_TABLE = pacsv.read_csv(SHARED / "paradigma-ppp" / "ppp_watch_12min.csv").slice(0, 300)


def _bytes(table: pa.Table, **options: object) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **options)  # type: ignore[arg-type]
    return sink.getvalue()


_ACC = ["time", "acc_x", "acc_y", "acc_z"]
SEEDS = {
    "snappy": _bytes(_TABLE, row_group_size=100),
    "plain": _bytes(_TABLE, compression="none", use_dictionary=False),
    "zstd": _bytes(_TABLE, compression="zstd", row_group_size=64),
    "acc_f32": _bytes(_TABLE.select(_ACC).cast(pa.schema([(n, pa.float32()) for n in _ACC]))),
}
#: Known open defects (none: every one found so far is fixed and guarded by a test in
#: tests/fuzz); add (exception type, innermost package function) pairs here to tally one.
KNOWN: frozenset[tuple[str, str]] = frozenset()


def one_input(data: bytes) -> str | None:
    PATH.write_bytes(data)
    read_recording(PATH, format="parquet")
    for _ in iter_recording(PATH, format="parquet", chunk_s=1.0):
        pass
    return None


if __name__ == "__main__":
    run("parquet", one_input, seeds=SEEDS, known=KNOWN)
    sys.exit(0)

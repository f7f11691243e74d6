"""Fuzz the Axivity ``.cwa`` reader with mutations of the real AX3 and AX6 files.

Mutations: bit flips and byte writes anywhere; truncation in the region of every block
boundary; header packet fields (length, hardware, sensor and rate codes); data block fields
(header, length, sample count, rate and packing codes, timestamps, offsets, fraction,
sequence and session ids, scale codes) written with the block checksum fixed afterwards, so
that the damage reaches the decoder instead of stopping at the checksum; random bytes behind
a valid ``MD`` magic. Every read (whole, in chunks, as decoded) must give a valid recording
or an :class:`~dystonia.exceptions.UnreadableFileError`, within the memory bound.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io import read_recording
from dystonia.motion.io.axivity import BLOCK_DTYPE
from dystonia.motion.recording import Recording

from ._common import MEMORY_BOUND_BYTES, clear, fuzz_settings, mib, traced_peak
from ._motion import read_every_way, shared_file

HEADER_BYTES = 1024
BLOCK_BYTES = 512
#: Real files (AX3 packed and unpacked-free, AX6 16-bit), trimmed to a few dozen blocks so
#: that one example reads in milliseconds; the trim is at a block boundary.
_NAMES = {
    "ax3_packed": ("device-files", "ggirread_ax3_testfile.cwa"),
    "ax3_corrupt": ("device-files", "ggirread_ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa"),
    "ax6": ("device-files", "ggirread_ax6_testfile.cwa"),
    "ax6_paradigma": ("device-files", "paradigma_ax6_test_data.CWA"),
    "ax6_skdh": ("device-files", "skdh_ax6_sample.cwa"),
    "ax3_skdh": ("device-files", "skdh_ax3_sample.cwa"),
}
_BLOCKS = 24


def _load(key: str) -> bytes:
    return shared_file(*_NAMES[key]).read_bytes()[: HEADER_BYTES + _BLOCKS * BLOCK_BYTES]


SEEDS = {key: _load(key) for key in _NAMES}
FIELDS = {name: (BLOCK_DTYPE.fields[name][1], BLOCK_DTYPE.fields[name][0]) for name in BLOCK_DTYPE.names if name not in ("raw", "checksum")}  # fmt: skip


def fix_checksum(block: bytearray) -> None:
    """Make the word-wise sum of a 512-byte block zero again (the CWA checksum)."""
    words = np.frombuffer(bytes(block[:510]), dtype="<u2")
    block[510:512] = struct.pack("<H", (-int(words.sum(dtype=np.uint64))) & 0xFFFF)


def _write(tmp_path: Path, data: bytes, name: str = "fuzz.cwa") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


_field_values = st.one_of(
    st.integers(0, 0xFFFFFFFF),
    st.sampled_from(
        [
            0,
            1,
            2,
            3,
            26,
            39,
            40,
            41,
            79,
            80,
            81,
            119,
            120,
            121,
            240,
            0x7FFF,
            0x8000,
            0xFFFF,
            0xFFFFFFFF,
        ]
    ),
)


@st.composite
def field_edit(draw: st.DrawFn) -> tuple[int, str, int]:
    """(block index, field name, value) for one data block field."""
    return (
        draw(st.integers(0, _BLOCKS - 1)),
        draw(st.sampled_from(sorted(FIELDS))),
        draw(_field_values),
    )


@fuzz_settings(40)
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    edits=st.lists(field_edit(), min_size=1, max_size=4),
    keep_checksum=st.booleans(),
)
def test_block_fields_with_fixed_checksum(
    tmp_path: Path, seed: str, edits: list[tuple[int, str, int]], keep_checksum: bool
) -> None:
    """Header fields of data blocks set to edge and random values, checksum repaired."""
    data = bytearray(SEEDS[seed])
    for block, name, value in edits:
        offset, dtype = FIELDS[name]
        start = HEADER_BYTES + block * BLOCK_BYTES
        raw = np.array([value & ((1 << (8 * dtype.itemsize)) - 1)]).astype(dtype.newbyteorder("<") if dtype.kind == "u" else dtype)  # fmt: skip
        data[start + offset : start + offset + dtype.itemsize] = raw.tobytes()
        if not keep_checksum:
            sub = data[start : start + BLOCK_BYTES]
            fix_checksum(sub)
            data[start : start + BLOCK_BYTES] = sub
    read_every_way(_write(tmp_path, bytes(data)))


@fuzz_settings(30)
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    flips=st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 7)), min_size=1, max_size=16),
    fix=st.booleans(),
)
def test_bit_flips(tmp_path: Path, seed: str, flips: list[tuple[int, int]], fix: bool) -> None:
    """Single-bit flips anywhere (header and samples), with or without checksum repair."""
    data = bytearray(SEEDS[seed])
    for position, bit in flips:
        data[position % len(data)] ^= 1 << bit
    if fix:
        for start in range(HEADER_BYTES, len(data) - BLOCK_BYTES + 1, BLOCK_BYTES):
            sub = data[start : start + BLOCK_BYTES]
            fix_checksum(sub)
            data[start : start + BLOCK_BYTES] = sub
    read_every_way(_write(tmp_path, bytes(data)))


@fuzz_settings(30)
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    block=st.integers(-2, _BLOCKS),
    delta=st.integers(-3, 3) | st.sampled_from([-256, 256, 30, 32]),
)
def test_truncation_near_block_boundaries(
    tmp_path: Path, seed: str, block: int, delta: int
) -> None:
    """Cut the file within a few bytes of a block (or header) boundary."""
    data = SEEDS[seed]
    cut = max(0, min(len(data), HEADER_BYTES + block * BLOCK_BYTES + delta))
    if cut == 0:
        return  # an empty file is its own test
    read_every_way(_write(tmp_path, data[:cut]))


_HEADER_FIELDS = [(2, 2), (4, 1), (5, 2), (7, 4), (11, 2), (35, 1), (36, 1), (41, 1)]


@fuzz_settings(30)
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    edits=st.lists(
        st.tuples(st.sampled_from(_HEADER_FIELDS), st.integers(0, 0xFFFFFFFF)),
        min_size=1,
        max_size=4,
    ),
)
def test_header_packet_fields(
    tmp_path: Path, seed: str, edits: list[tuple[tuple[int, int], int]]
) -> None:
    """Header packet length (bytes claimed), hardware type, ids, sensor and rate codes."""
    data = bytearray(SEEDS[seed])
    for (offset, size), value in edits:
        data[offset : offset + size] = (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
    read_every_way(_write(tmp_path, bytes(data)))


@fuzz_settings(25)
@given(
    body=st.binary(min_size=0, max_size=4 * BLOCK_BYTES),
    length=st.integers(0, 0xFFFF),
    ax=st.booleans(),
)
def test_random_bytes_with_the_right_magic(
    tmp_path: Path, body: bytes, length: int, ax: bool
) -> None:
    """``MD`` + a header length + random bytes (optionally ``AX`` block magics)."""
    data = bytearray(b"MD" + length.to_bytes(2, "little") + body)
    if ax:
        for start in range(HEADER_BYTES, len(data) - 1, BLOCK_BYTES):
            data[start : start + 4] = b"AX\xfc\x01"
    read_every_way(_write(tmp_path, bytes(data)))


@pytest.mark.parametrize("key", sorted(_NAMES))
def test_whole_real_files_read_in_bounded_memory(key: str) -> None:
    """Sanity of the seeds: each whole real file reads, within the memory bound."""
    path = shared_file(*_NAMES[key])
    with traced_peak() as peak:
        rec = read_recording(path)
    assert isinstance(rec, Recording) and rec.n_samples > 0
    assert peak.bytes < MEMORY_BOUND_BYTES, mib(peak.bytes)


def _every_block_count(value: bytes) -> bytes:
    data = bytearray(SEEDS["ax6"])
    offset = FIELDS["sample_count"][0]
    for start in range(HEADER_BYTES, len(data), BLOCK_BYTES):
        data[start + offset : start + offset + 2] = value
        sub = data[start : start + BLOCK_BYTES]
        fix_checksum(sub)
        data[start : start + BLOCK_BYTES] = sub
    return bytes(data)


def test_every_block_claims_the_largest_sample_count(tmp_path: Path) -> None:
    """Sample count 0xFFFF in every block (checksums fixed): nothing allocated for it."""
    path = _write(tmp_path, _every_block_count(b"\xff\xff"))
    with traced_peak() as peak:
        result = clear(read_recording, path)
    assert peak.bytes < MEMORY_BOUND_BYTES, mib(peak.bytes)
    assert isinstance(result, UnreadableFileError | Recording)


@pytest.mark.parametrize("count", [b"\x00\x00", b"\xff\xff"])
def test_file_without_a_usable_block_is_unreadable(tmp_path: Path, count: bytes) -> None:
    """Every block has an impossible sample count (checksums valid): unreadable, not empty.

    Found by this fuzzing (a Recording with 0 samples was returned); fixed in axivity.py.
    """
    with pytest.raises(UnreadableFileError):
        read_recording(_write(tmp_path, _every_block_count(count)))


def test_header_claims_the_largest_header_length(tmp_path: Path) -> None:
    """Header length 0xFFFF (a data offset past the file end) is refused cheaply."""
    data = bytearray(SEEDS["ax3_packed"])
    data[2:4] = b"\xff\xff"
    with traced_peak() as peak, pytest.raises(UnreadableFileError):
        read_recording(_write(tmp_path, bytes(data)))
    assert peak.bytes < MEMORY_BOUND_BYTES, mib(peak.bytes)

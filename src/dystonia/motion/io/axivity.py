"""Axivity ``.cwa`` files (AX3 accelerometer, AX6 accelerometer + gyroscope).

File layout (Open Movement ``cwa.h`` [1]_): a header packet (``"MD"``, 1024 bytes) followed by
512-byte data blocks (``"AX"``). Each data block carries up to 120 (packed 3-axis), 80 (16-bit
3-axis) or 40 (16-bit 6-axis) samples, a packed whole-second timestamp with an optional 1/32768 s
fraction, the index of the sample that timestamp belongs to, scale codes, and a 16-bit checksum
(the word-wise sum of the whole block is zero).

Decoding is vectorised over blocks: a batch of blocks is viewed with structured numpy dtypes and
checked, unpacked, scaled and timed in whole-array operations; no per-sample Python loop.

Timing follows scikit-digital-health's ``read_axivity`` [2]_ with the Open Movement fractional
timestamp [1]_, [3]_: a block's nominal start is ``T - offset / fs`` (``T`` the block timestamp with
its fraction, ``offset`` corrected for the fraction) and its end ``start + count / fs``; a block
that directly follows the previous one (next sequence number, within 1 s) starts exactly where the
previous one ended, and its samples are spaced evenly up to its own end. This tracks the device
clock block by block without resampling.

Damage is never filled in. A block that fails the checksum, has a wrong header, a different data
format or session, an impossible timestamp or sample count, or is cut off at the end of the file
is left out and listed in ``metadata["skipped_blocks"]``; the time it leaves uncovered is listed in
``metadata["gaps"]``. A file with no valid block, or whose clock goes backwards, is unreadable.

References
----------
.. [1] Open Movement, ``Docs/ax3/cwa.h`` and ``cwa_load.py``,
   https://github.com/digitalinteraction/openmovement (BSD-2-Clause).
.. [2] L. Adamowicz et al., "Scikit Digital Health: Python Package for Streamlined Wearable
   Inertial Sensor Data Processing", JMIR mHealth uHealth 10(4):e36762, 2022,
   doi:10.2196/36762; ``src/skdh/io/_extensions/read_axivity.f95`` (MIT).
.. [3] GGIRread ``readAxivity`` (Apache-2.0), https://github.com/wadpac/GGIRread.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io.batches import Batch, Event, Source
from dystonia.motion.io.damage import gap_event, gap_reason, skipped_block_events

__all__ = ["BLOCK_BYTES", "BLOCK_DTYPE", "decode_timestamps", "open_cwa"]

BLOCK_BYTES = 512
_HEADER_BYTES = 1024
_DATA_HEADER = 0x5841  # "AX" little-endian
_DATA_LENGTH = 508
#: Blocks read and decoded at a time (2 MiB; about 1.3 h of AX6 at 100 Hz, 0.7 h of AX3).
BLOCKS_PER_BATCH = 4096
#: A block starting within this many seconds of the previous block's end continues it.
CONTINUITY_S = 1.0

#: One data block (``OM_READER_DATA_PACKET``), little-endian, 512 bytes.
BLOCK_DTYPE = np.dtype(
    [
        ("packet_header", "<u2"),
        ("packet_length", "<u2"),
        ("device_fractional", "<u2"),
        ("session_id", "<u4"),
        ("sequence_id", "<u4"),
        ("timestamp", "<u4"),
        ("light_scale", "<u2"),
        ("temperature", "<u2"),
        ("events", "u1"),
        ("battery", "u1"),
        ("rate_code", "u1"),
        ("axes_packing", "u1"),
        ("timestamp_offset", "<i2"),
        ("sample_count", "<u2"),
        ("raw", "V480"),
        ("checksum", "<u2"),
    ]
)
_PACKED_VIEW = np.dtype([("head", "V30"), ("values", "<u4", (120,)), ("tail", "V2")])
_UNPACKED_VIEW = np.dtype([("head", "V30"), ("values", "<i2", (240,)), ("tail", "V2")])
assert BLOCK_DTYPE.itemsize == _PACKED_VIEW.itemsize == _UNPACKED_VIEW.itemsize == BLOCK_BYTES


def decode_timestamps(packed: NDArray[np.uint32]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Seconds since 1970-01-01 of packed CWA date-times, and which of them are valid.

    The packing is ``YYYYYYMM MMDDDDDh hhhhmmmm mmssssss`` (year since 2000). Days are counted
    with the proleptic Gregorian "days from civil" formula, vectorised.

    Parameters
    ----------
    packed : ndarray of uint32
        Packed timestamps.

    Returns
    -------
    seconds : ndarray of int64
        Seconds since the epoch, reading the device clock as UTC.
    valid : ndarray of bool
        False where a field is out of range (month 0, minute 61, ...) or the value is 0.
    """
    v = packed.astype(np.int64)
    year = ((v >> 26) & 0x3F) + 2000
    month = (v >> 22) & 0x0F
    day = (v >> 17) & 0x1F
    hour = (v >> 12) & 0x1F
    minute = (v >> 6) & 0x3F
    second = v & 0x3F
    valid = (
        (v != 0)
        & (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (hour < 24)
        & (minute < 60)
        & (second < 60)
    )
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return days * 86400 + hour * 3600 + minute * 60 + second, valid


@dataclass(frozen=True)
class _Layout:
    """Data format of the recording, fixed by its first valid block."""

    session_id: int
    rate_code: int
    axes_packing: int
    channels: int
    packed: bool
    max_count: int
    fs_hz: float
    header_gyro_range_dps: float | None


@dataclass
class _State:
    """What a batch needs to know about the blocks before it."""

    last_sequence: int | None = None
    last_end_s: float = float("nan")
    last_time_s: float = float("-inf")
    last_valid_block: int = -1


def _fail(path: Path, reason: str) -> UnreadableFileError:
    return UnreadableFileError(path, reason)


def _read_header(path: Path, fh: BinaryIO, size: int) -> tuple[dict[str, Any], int]:
    head = fh.read(_HEADER_BYTES)
    if head[:2] != b"MD":
        raise _fail(path, f"not an Axivity .cwa file: no 'MD' header packet (starts {head[:4]!r})")
    if len(head) < _HEADER_BYTES:
        raise _fail(path, f"file ends inside the 1024-byte header ({size} bytes)")
    length = int.from_bytes(head[2:4], "little")
    if not 508 <= length <= 4092:
        raise _fail(path, f"header packet length {length} is not a valid CWA header length")
    data_offset = ((length + BLOCK_BYTES - 1) // BLOCK_BYTES) * BLOCK_BYTES
    hardware = head[4]
    device_id = int.from_bytes(head[5:7], "little")
    upper = int.from_bytes(head[11:13], "little")
    if upper != 0xFFFF:
        device_id |= upper << 16
    sensor_config = head[35]
    rate_code = head[36]
    model = {0x00: "AX3", 0xFF: "AX3", 0x17: "AX3", 0x64: "AX6"}.get(hardware)
    gyro_range = None
    if sensor_config not in (0x00, 0xFF) and sensor_config & 0x0F:
        gyro_range = 8000.0 / (1 << (sensor_config & 0x0F))
    metadata: dict[str, Any] = {
        "device": f"Axivity {model}" if model else f"Axivity (hardware type 0x{hardware:02x})",
        "device_id": device_id,
        "session_id": int.from_bytes(head[7:11], "little"),
        "configured_fs_hz": 3200.0 / (1 << (15 - (rate_code & 0x0F))),
        "accel_range_g": 16 >> (rate_code >> 6),
        "gyro_range_dps": gyro_range,
        "firmware_revision": head[41],
        "time_reference": "device clock as set at configuration (usually local time), "
        "in seconds since 1970-01-01 read as UTC",
    }
    return metadata, data_offset


def _block_reasons(
    blocks: NDArray[np.void], checksum_ok: NDArray[np.bool_], layout: _Layout | None
) -> tuple[NDArray[np.bool_], list[str | None]]:
    """Which blocks are usable, and why each other one is not (vectorised checks)."""
    header_ok = (blocks["packet_header"] == _DATA_HEADER) & (
        blocks["packet_length"] == _DATA_LENGTH
    )
    _, time_ok = decode_timestamps(blocks["timestamp"])
    count = blocks["sample_count"].astype(np.int64)
    reasons: list[str | None] = [None] * len(blocks)
    checks: list[tuple[NDArray[np.bool_], str]] = [
        (checksum_ok, "checksum mismatch"),
        (header_ok, "not a data block (no 'AX' header of length 508)"),
        (time_ok, "impossible timestamp"),
    ]
    if layout is not None:
        same_format = (blocks["axes_packing"] == layout.axes_packing) & (
            blocks["rate_code"] == layout.rate_code
        )
        checks += [
            (same_format, "sample rate, range or packing differs from the first block"),
            (blocks["session_id"] == layout.session_id, "belongs to another recording session"),
            ((count >= 1) & (count <= layout.max_count), "impossible sample count"),
        ]
    usable = np.ones(len(blocks), dtype=bool)
    for ok, reason in checks:
        fresh = usable & ~ok
        for i in np.flatnonzero(fresh):
            reasons[int(i)] = reason
        usable &= ok
    return usable, reasons


def _layout_of(path: Path, block: np.void, header: dict[str, Any]) -> _Layout:
    axes_packing = int(block["axes_packing"])
    channels = axes_packing >> 4
    packing = axes_packing & 0x0F
    rate_code = int(block["rate_code"])
    if rate_code & 0x0F == 0:
        raise _fail(path, "sample rate code 0 (pre-2012 firmware format) is not supported")
    if packing == 0 and channels == 3:
        packed, max_count = True, 120
    elif packing == 2 and channels in (3, 6, 9):
        packed, max_count = False, 240 // channels
    else:
        raise _fail(
            path,
            f"unsupported sample format 0x{axes_packing:02x} (axes {channels}, packing {packing})",
        )
    return _Layout(
        session_id=int(block["session_id"]),
        rate_code=rate_code,
        axes_packing=axes_packing,
        channels=channels,
        packed=packed,
        max_count=max_count,
        fs_hz=3200.0 / (1 << (15 - (rate_code & 0x0F))),
        header_gyro_range_dps=header["gyro_range_dps"],
    )


def _checksum_ok(raw: bytes) -> NDArray[np.bool_]:
    words = np.frombuffer(raw, dtype="<u2").reshape(-1, BLOCK_BYTES // 2)
    sums: NDArray[np.uint32] = words.sum(axis=1, dtype=np.uint32)
    return (sums & 0xFFFF) == 0


def _first_layout(
    path: Path, fh: BinaryIO, data_offset: int, n_blocks: int, header: dict[str, Any]
) -> _Layout:
    fh.seek(data_offset)
    done = 0
    while done < n_blocks:
        take = min(BLOCKS_PER_BATCH, n_blocks - done)
        raw = fh.read(take * BLOCK_BYTES)
        blocks = np.frombuffer(raw, dtype=BLOCK_DTYPE)
        usable, _ = _block_reasons(blocks, _checksum_ok(raw), None)
        found = np.flatnonzero(usable)
        if found.size:
            return _layout_of(path, blocks[found[0]], header)
        done += take
    raise _fail(
        path, f"no valid data block: all {n_blocks} blocks fail the checksum or header check"
    )


def open_cwa(
    path: Path, *, fractional_time: bool = True, blocks_per_batch: int = BLOCKS_PER_BATCH
) -> Source:
    """Open an Axivity ``.cwa`` file for streaming, block batch by block batch.

    Parameters
    ----------
    path : Path
        The file.
    fractional_time : bool
        Use the 1/32768 s fraction of the block timestamps (Open Movement). ``False`` reproduces
        scikit-digital-health, which ignores it (times then differ by less than one sample
        period); kept for the reference test.
    blocks_per_batch : int
        Data blocks decoded at a time.

    Raises
    ------
    UnreadableFileError
        No ``MD`` header, truncated header, unsupported sample format, no valid data block; while
        iterating, a device clock that goes backwards.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        header, data_offset = _read_header(path, fh, size)
        n_blocks, tail_bytes = divmod(max(size - data_offset, 0), BLOCK_BYTES)
        if n_blocks == 0:
            where = f"ends inside the first data block ({tail_bytes} of 512 bytes)"
            raise _fail(path, f"no data blocks: the file {where if tail_bytes else 'has none'}")
        layout = _first_layout(path, fh, data_offset, n_blocks, header)
    channels = layout.channels
    metadata = dict(header)
    metadata.update(
        {
            "nominal_fs_hz": layout.fs_hz,
            "data_blocks": n_blocks,
            "samples_per_block": layout.max_count,
            "sample_format": "packed 3x10-bit + exponent" if layout.packed else "16-bit signed",
        }
    )
    if channels == 9:
        metadata["ignored_channels"] = ["mag_x", "mag_y", "mag_z"]
    return Source(
        format="cwa",
        source=path.name,
        metadata=metadata,
        batches=_batches(
            path, data_offset, n_blocks, tail_bytes, layout, fractional_time, blocks_per_batch
        ),
        has_acc=True,
        has_gyro=channels >= 6,
        max_samples=n_blocks * layout.max_count,
    )


def _batches(
    path: Path,
    data_offset: int,
    n_blocks: int,
    tail_bytes: int,
    layout: _Layout,
    fractional_time: bool,
    blocks_per_batch: int,
) -> Iterator[Batch]:
    state = _State()
    produced = False
    first_skip = ""
    with path.open("rb") as fh:
        fh.seek(data_offset)
        first = 0
        while first < n_blocks:
            take = min(blocks_per_batch, n_blocks - first)
            raw = fh.read(take * BLOCK_BYTES)
            if len(raw) != take * BLOCK_BYTES:
                raise _fail(path, f"file shrank while reading (block {first})")
            batch = _decode(path, raw, first, data_offset, layout, state, fractional_time)
            produced = produced or batch.n_samples > 0
            if not produced and not first_skip:
                skips = [e.detail for e in batch.events if e.kind == "skipped_block"]
                if skips:
                    first_skip = f"block {skips[0]['block']}: {skips[0]['reason']}"
            yield batch
            first += take
    if not produced:
        # every block passed the checksum and header checks of the layout search but failed a
        # later one (e.g. an impossible sample count in every block)
        raise _fail(
            path, f"no valid data block: all {n_blocks} blocks are damaged (first: {first_skip})"
        )
    if tail_bytes:
        offset = data_offset + n_blocks * BLOCK_BYTES
        detail = {
            "block": n_blocks,
            "byte_offset": offset,
            "reason": f"file ends inside this block ({tail_bytes} of 512 bytes)",
        }
        yield Batch(
            np.empty(0),
            np.empty((0, 3)),
            None,
            [Event("skipped_block", state.last_time_s, detail)],
        )


def _decode(
    path: Path,
    raw: bytes,
    first_block: int,
    data_offset: int,
    layout: _Layout,
    state: _State,
    fractional_time: bool,
) -> Batch:
    blocks = np.frombuffer(raw, dtype=BLOCK_DTYPE)
    usable, reasons = _block_reasons(blocks, _checksum_ok(raw), layout)
    index = np.flatnonzero(usable)
    good = blocks[index]
    block_no = first_block + index

    # --- times, one row per usable block -------------------------------------------------
    fs_hz = layout.fs_hz
    whole_s, _ = decode_timestamps(good["timestamp"])
    stamp_s = whole_s.astype(np.float64)
    offset = good["timestamp_offset"].astype(np.int64)
    if fractional_time:
        fractional = good["device_fractional"].astype(np.int64)
        has = (fractional & 0x8000) != 0
        frac = np.where(has, (fractional & 0x7FFF) << 1, 0)  # units of 1/65536 s
        offset = offset + ((frac * int(fs_hz)) >> 16)
        stamp_s = stamp_s + frac / 65536.0
    count = good["sample_count"].astype(np.int64)
    start_s = stamp_s - offset / fs_hz
    end_s = start_s + count / fs_hz
    sequence = good["sequence_id"].astype(np.int64)

    prev_end = np.empty(len(good))
    prev_seq = np.empty(len(good), dtype=np.int64)
    prev_block = np.empty(len(good), dtype=np.int64)
    if len(good):
        prev_end[0] = state.last_end_s
        prev_seq[0] = -2 if state.last_sequence is None else state.last_sequence
        prev_block[0] = state.last_valid_block
        prev_end[1:] = end_s[:-1]
        prev_seq[1:] = sequence[:-1]
        prev_block[1:] = block_no[:-1]
    follows = (sequence == prev_seq + 1) & (np.abs(start_s - prev_end) < CONTINUITY_S)
    t0_s = np.where(follows, prev_end, start_s)
    step_s = (end_s - t0_s) / np.maximum(count, 1)
    first_s = t0_s
    last_s = t0_s + (count - 1) * step_s
    prev_last = np.empty(len(good))
    if len(good):
        prev_last[0] = state.last_time_s
        prev_last[1:] = last_s[:-1]
    backwards = ~(step_s > 0) | ~(first_s > prev_last)
    if backwards.any():
        k = int(np.flatnonzero(backwards)[0])
        raise _fail(
            path,
            f"block {int(block_no[k])}: device time goes back by "
            f"{float(prev_last[k] - first_s[k]):.3f} s (clock changed during recording?); "
            "samples cannot be put in order",
        )

    # --- events: skipped blocks and gaps --------------------------------------------------
    skipped = (
        (
            first_block + int(i),
            data_offset + (first_block + int(i)) * BLOCK_BYTES,
            reasons[int(i)] or "damaged block",
        )
        for i in np.flatnonzero(~usable)
    )
    events = skipped_block_events(skipped, block_no, last_s, state.last_time_s)
    for k in np.flatnonzero(~follows).tolist():
        if prev_block[k] < 0:
            continue  # first block of the recording
        reason = gap_reason(
            "block",
            previous_block=int(prev_block[k]),
            block=int(block_no[k]),
            previous_sequence=int(prev_seq[k]),
            sequence=int(sequence[k]),
            otherwise="device clock jumps between consecutive blocks (logging paused?)",
        )
        events.append(gap_event(prev_last[k], first_s[k], reason))

    # --- samples -------------------------------------------------------------------------
    max_count = layout.max_count
    full = bool(np.all(count == max_count))
    mask = None if full else (np.arange(max_count)[None, :] < count[:, None])
    time_s = t0_s[:, None] + np.arange(max_count)[None, :] * step_s[:, None]
    time_s = time_s.reshape(-1) if mask is None else time_s[mask]

    light = good["light_scale"].astype(np.int64)
    accel_per_g = (1 << (8 + ((light >> 13) & 0x07))).astype(np.float64)
    if layout.packed:
        values = np.frombuffer(raw, dtype=_PACKED_VIEW)["values"][index].astype(np.int32)
        exponent = values >> 30 & 0x03
        raw_xyz = np.empty((*values.shape, 3), dtype=np.int32)
        for axis in range(3):
            ten_bits = (values >> (10 * axis)) & 0x3FF
            raw_xyz[..., axis] = ((ten_bits ^ 0x200) - 0x200) << exponent
        acc = raw_xyz / accel_per_g[:, None, None]
        gyro = None
    else:
        words = np.frombuffer(raw, dtype=_UNPACKED_VIEW)["values"][index]
        words = words[:, : max_count * layout.channels].reshape(
            len(index), max_count, layout.channels
        )
        acc_at = 0 if layout.channels == 3 else 3
        acc = words[:, :, acc_at : acc_at + 3] / accel_per_g[:, None, None]
        gyro = None
        if layout.channels >= 6:
            code = (light >> 10) & 0x07
            fallback = layout.header_gyro_range_dps or 2000.0
            range_dps = np.where(code > 0, 8000.0 / (1 << code), fallback)
            gyro = words[:, :, 0:3] * (range_dps / 32768.0)[:, None, None]
    acc_g = acc.reshape(-1, 3) if mask is None else acc[mask]
    gyro_dps = None
    if gyro is not None:
        gyro_dps = gyro.reshape(-1, 3) if mask is None else gyro[mask]

    # --- carry state -----------------------------------------------------------------------
    if len(good):
        state.last_sequence = int(sequence[-1])
        state.last_end_s = float(end_s[-1])
        state.last_time_s = float(last_s[-1])
        state.last_valid_block = int(block_no[-1])
    return Batch(
        np.ascontiguousarray(time_s, dtype=np.float64),
        np.ascontiguousarray(acc_g, dtype=np.float64),
        None if gyro_dps is None else np.ascontiguousarray(gyro_dps, dtype=np.float64),
        events,
    )

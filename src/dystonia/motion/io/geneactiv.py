"""GENEActiv ``.bin`` files (Activinsights): hex-text pages of 300 accelerometer samples.

File layout (as read by GGIRread [1]_ and scikit-digital-health [2]_): a text header of
``key:value`` lines in sections (``Device Identity``, ``Configuration Info``,
``Calibration Data``, ``Memory Status``, ...), then pages that each begin with ``Recorded Data``
and hold a sequence number, a page time (``YYYY-MM-DD hh:mm:ss:mmm``, device clock), temperature,
battery voltage, the measurement frequency, and one line of 3600 hexadecimal characters: 300
samples of 12 characters (48 bits): x, y, z as 12-bit two's complement, then 10-bit light, button
and a reserved bit.

Acceleration in g is ``(raw * 100 - offset) / gain`` per axis with the gain and offset of the
file's ``Calibration Data`` section. Sample ``j`` of a page is at ``page_time + j / fs`` with
``fs`` the page's measurement frequency (as scikit-digital-health does).

Pages are parsed page by page in Python (about 10 header lines each) but the 3600-character data
lines of a whole batch of pages are decoded in one vectorised lookup-table pass. A page whose
data line is not 3600 hexadecimal characters, whose header lines are damaged, or that is cut off
at the end of the file is skipped and listed in ``metadata["skipped_blocks"]`` (``"block"`` is
the 0-based page index in the file); the time it leaves uncovered is listed in
``metadata["gaps"]``.

References
----------
.. [1] GGIRread ``readGENEActiv`` / ``GENEActivReader.cpp`` (Apache-2.0),
   https://github.com/wadpac/GGIRread.
.. [2] L. Adamowicz et al., "Scikit Digital Health: Python Package for Streamlined Wearable
   Inertial Sensor Data Processing", JMIR mHealth uHealth 10(4):e36762, 2022,
   doi:10.2196/36762; ``src/skdh/io/_extensions/read_geneactiv.c`` (MIT).
.. [3] Activinsights, "GENEActiv Instructions for Use", section "Data file format".
"""

from __future__ import annotations

import calendar
import datetime
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io.batches import Batch, Event, Source
from dystonia.motion.io.damage import gap_event, gap_reason, skipped_block_events
from dystonia.motion.io.text_blocks import show

__all__ = ["HEX_PER_PAGE", "SAMPLES_PER_PAGE", "open_bin", "page_time_s"]

SAMPLES_PER_PAGE = 300
HEX_PER_PAGE = SAMPLES_PER_PAGE * 12
_MARKER = b"Recorded Data"
_HEADER_MAX_BYTES = 1 << 16
#: Bytes of pages read and decoded at a time (about 1000 pages).
BATCH_BYTES = 4 * 1024 * 1024
#: A page starting more than this many seconds after the previous page's expected start leaves a
#: reported gap (same rule as the Axivity reader).
CONTINUITY_S = 1.0
#: Page measurement frequencies accepted (Hz); a page outside is skipped as damaged. GENEActiv
#: records at 10-100 Hz; below 1 Hz a 300-sample page would outlast the next page's start.
MIN_FS_HZ = 1.0
MAX_FS_HZ = 10000.0
#: Largest page sequence number accepted (int64, as the decoder stores them).
MAX_SEQUENCE = 2**63 - 1
_DIGITS = re.compile(rb"[0-9]{1,19}")
_PAGE_COUNT = re.compile(r"[0-9]{1,18}")

_TIME = re.compile(
    rb"^\s*(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?::(\d{1,3}))?\s*$"
)
_HEX_LUT = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789ABCDEF"):
    _HEX_LUT[_c] = _i
for _i, _c in enumerate(b"abcdef"):
    _HEX_LUT[_c] = 10 + _i


def page_time_s(text: bytes) -> float | None:
    """Seconds since 1970-01-01 (device clock read as UTC) of a GENEActiv time, or None.

    Parameters
    ----------
    text : bytes
        ``YYYY-MM-DD hh:mm:ss:mmm`` (milliseconds optional; fields may lack leading zeros).
    """
    match = _TIME.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    millis = match.group(7)
    if not (hour < 24 and minute < 60 and second < 61):
        return None
    try:
        datetime.date(year, month, day)  # years 1-9999, and only days the month has
    except ValueError:
        return None
    whole = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    return whole + (int(millis.ljust(3, b"0")) / 1000.0 if millis else 0.0)


def _header_values(text: bytes) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in text.split(b"\n"):
        line = raw.strip().decode("latin-1")
        key, sep, value = line.partition(":")
        if sep and key.strip() not in values:
            values[key.strip()] = value.strip()
    return values


def _number(path: Path, values: dict[str, str], key: str) -> float:
    text = values.get(key)
    if text is None:
        raise UnreadableFileError(path, f"header has no {key!r} line")
    match = re.match(r"^[-+]?[0-9]+(\.[0-9]*)?", text)
    if match is None:
        raise UnreadableFileError(path, f"header {key!r} is {_shown(text)}, not a number")
    value = float(match.group(0))
    if not math.isfinite(value):
        raise UnreadableFileError(
            path, f"header {key!r} is {_shown(text)}: beyond the float range (a finite number)"
        )
    return value


def _shown(text: str) -> str:
    return show(text.encode("utf-8", errors="replace"), 60)


@dataclass(frozen=True)
class _Calibration:
    gain: NDArray[np.float64]
    offset: NDArray[np.float64]


def _read_header(path: Path, fh: BinaryIO) -> tuple[dict[str, Any], _Calibration, int, int]:
    head = fh.read(_HEADER_MAX_BYTES)
    if head and b"Device Identity".startswith(head):
        raise UnreadableFileError(path, "no data pages: the file ends inside the header")
    if not head.startswith(b"Device Identity"):
        raise UnreadableFileError(
            path, f"not a GENEActiv .bin file: no 'Device Identity' header (starts {head[:8]!r})"
        )
    start = head.find(_MARKER)
    if start < 0:
        if len(head) < _HEADER_MAX_BYTES:
            raise UnreadableFileError(path, "no data pages: the file ends inside the header")
        raise UnreadableFileError(path, "no 'Recorded Data' page in the first 64 KiB")
    values = _header_values(head[:start])
    gain = np.array([_number(path, values, f"{a} gain") for a in "xyz"])
    offset = np.array([_number(path, values, f"{a} offset") for a in "xyz"])
    if np.any(gain == 0):
        axis = "xyz"[int(np.flatnonzero(gain == 0)[0])]
        raise UnreadableFileError(path, f"header calibration {axis + ' gain'!r} is 0")
    _check_calibration(path, gain, offset)
    pages = values.get("Number of Pages", "").strip()
    # ASCII digits only (str.isdigit accepts '³', which int() refuses); an absurd count is
    # "unknown", as a missing one: it only words the truncation report
    announced = int(pages) if _PAGE_COUNT.fullmatch(pages) else -1
    metadata: dict[str, Any] = {
        "device": "GENEActiv " + values.get("Device Model", "").strip(),
        "device_id": values.get("Device Unique Serial Code", ""),
        "firmware": values.get("Device Firmware Version", ""),
        "configured_fs_hz": _number(path, values, "Measurement Frequency"),
        "accel_range": values.get("Accelerometer Range", ""),
        "time_zone": values.get("Time Zone", ""),
        "calibration": {"gain": gain.tolist(), "offset": offset.tolist()},
        "pages_in_header": announced,
        "time_reference": "device clock (local time at configuration), "
        "in seconds since 1970-01-01 read as UTC",
    }
    return metadata, _Calibration(gain, offset), start, announced


def _check_calibration(path: Path, gain: NDArray[np.float64], offset: NDArray[np.float64]) -> None:
    """Raise unless every raw value (12-bit, -2048..2047) calibrates to a finite, distinct g.

    A gain or offset that makes the calibrated range overflow (a subnormal gain, an offset of
    1e300 over a gain of 1e-10) or collapse to one value is refused, never returned as an
    infinite or flat signal. (Values beyond the float range are refused by :func:`_number`.)
    """
    with np.errstate(over="ignore", invalid="ignore"):
        low = (-2048 * 100.0 - offset) / gain
        high = (2047 * 100.0 - offset) / gain
    bad = ~(np.isfinite(low) & np.isfinite(high) & (low != high))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        axis = "xyz"[k]
        raise UnreadableFileError(
            path,
            f"header calibration {axis} gain {float(gain[k])!r} and {axis} offset "
            f"{float(offset[k])!r} do not map raw values to finite, distinct accelerations "
            "((raw * 100 - offset) / gain for raw -2048..2047)",
        )


def open_bin(path: Path, *, batch_bytes: int = BATCH_BYTES) -> Source:
    """Open a GENEActiv ``.bin`` file for streaming, batch of pages by batch of pages.

    Raises
    ------
    UnreadableFileError
        No ``Device Identity`` header, missing or zero calibration, no data page, no valid
        page; while iterating, a page time that goes backwards.
    """
    with path.open("rb") as fh:
        metadata, calibration, start, announced = _read_header(path, fh)
    metadata["nominal_fs_hz"] = metadata["configured_fs_hz"]
    batches = _batches(path, start, calibration, announced, batch_bytes)
    # decode up to the first page with samples now, so that a file of junk fails at open
    leading: list[Batch] = []
    for batch in batches:
        leading.append(batch)
        if batch.n_samples:
            break
    return Source(
        format="bin",
        source=path.name,
        metadata=metadata,
        batches=_chain(leading, batches),
        has_acc=True,
        has_gyro=False,
    )


def _chain(first: list[Batch], rest: Iterator[Batch]) -> Iterator[Batch]:
    yield from first
    yield from rest


@dataclass
class _Page:
    index: int
    byte_offset: int
    sequence: int
    start_s: float
    fs_hz: float
    hex_line: bytes


def _parse_page(segment: bytes, index: int, byte_offset: int) -> _Page | str:
    """Parse one page (from its marker to the next one); a string says why it is skipped."""
    lines = segment.split(b"\n")
    fields: dict[bytes, bytes] = {}
    data: bytes | None = None
    for raw in lines[1:]:
        line = raw.strip()
        if not line:
            continue
        if data is not None:
            return "text after the data line"
        key, sep, value = line.partition(b":")
        if sep:
            fields[key.strip()] = value.strip()
        else:
            data = line
    if data is None:
        return "no data line"
    if len(data) != HEX_PER_PAGE:
        return f"data line has {len(data)} characters, expected {HEX_PER_PAGE}"
    raw_sequence = fields.get(b"Sequence Number", b"")
    if not _DIGITS.fullmatch(raw_sequence) or int(raw_sequence) > MAX_SEQUENCE:
        return (
            f"damaged 'Sequence Number' line: {show(raw_sequence)} is not a whole number "
            f"from 0 to {MAX_SEQUENCE}"
        )
    sequence = int(raw_sequence)
    raw_fs = fields.get(b"Measurement Frequency", b"")
    try:
        fs_hz = float(raw_fs)
    except ValueError:
        return f"damaged 'Measurement Frequency' line: {show(raw_fs)} is not a number"
    if not (MIN_FS_HZ <= fs_hz <= MAX_FS_HZ):
        return (
            f"impossible measurement frequency {fs_hz!r} Hz "
            f"(allowed: {MIN_FS_HZ:g} to {MAX_FS_HZ:g} Hz)"
        )
    raw_time = fields.get(b"Page Time", b"")
    start_s = page_time_s(raw_time)
    if start_s is None:
        return (
            f"damaged 'Page Time' line: {show(raw_time)} is not a calendar date and time "
            "(YYYY-MM-DD hh:mm:ss:mmm, years 1-9999)"
        )
    return _Page(index, byte_offset, sequence, start_s, fs_hz, data)


@dataclass
class _State:
    last_time_s: float = float("-inf")
    last_start_s: float = float("nan")
    last_duration_s: float = float("nan")
    last_sequence: int | None = None
    last_page: int = -1


def _batches(
    path: Path, start: int, calibration: _Calibration, announced: int, batch_bytes: int
) -> Iterator[Batch]:
    state = _State()
    page_index = 0
    produced = False
    first_problem: str | None = None
    ended_inside = False
    with path.open("rb") as fh:
        fh.seek(start)
        carry = b""
        carry_offset = start
        eof = False
        while not eof:
            chunk = fh.read(batch_bytes)
            eof = not chunk
            buf = carry + chunk
            marks = [m.start() for m in re.finditer(_MARKER, buf)]
            if not eof:
                if len(marks) < 2:
                    if len(buf) > 4 * batch_bytes:
                        raise UnreadableFileError(
                            path, f"no 'Recorded Data' page marker in {len(buf)} bytes"
                        )
                    carry = buf
                    continue
                cut = marks[-1]
                complete, carry = buf[:cut], buf[cut:]
                marks = marks[:-1]
            else:
                complete, carry = buf, b""
            base = carry_offset
            carry_offset = base + len(complete)
            if not complete:
                continue
            pages: list[_Page] = []
            skipped: list[tuple[int, int, str]] = []
            for k, mark in enumerate(marks):
                end = marks[k + 1] if k + 1 < len(marks) else len(complete)
                parsed = _parse_page(complete[mark:end], page_index, base + mark)
                if isinstance(parsed, str):
                    if eof and k == len(marks) - 1:
                        ended_inside = True
                        parsed = f"file ends inside this page ({parsed})"
                        if announced > page_index + 1:
                            parsed += f"; the header announces {announced} pages"
                    skipped.append((page_index, base + mark, parsed))
                else:
                    pages.append(parsed)
                page_index += 1
            batch = _decode(path, pages, skipped, calibration, state)
            produced = produced or batch.n_samples > 0
            if not produced and first_problem is None and skipped:
                first_problem = f"page {skipped[0][0]}: {skipped[0][2]}"
            yield batch
    if not produced:
        why = f" ({first_problem})" if first_problem else ""
        raise UnreadableFileError(path, f"no valid data page among {page_index} pages{why}")
    if not ended_inside and 0 <= page_index < announced:
        detail = {
            "block": page_index,
            "byte_offset": carry_offset,
            "reason": f"file ends after {page_index} of the {announced} pages its header announces",
        }
        yield Batch(
            np.empty(0), np.empty((0, 3)), None, [Event("skipped_block", state.last_time_s, detail)]
        )


def _decode(
    path: Path,
    pages: list[_Page],
    skipped: list[tuple[int, int, str]],
    calibration: _Calibration,
    state: _State,
) -> Batch:
    n = len(pages)
    hex_bytes = np.frombuffer(b"".join(p.hex_line for p in pages), dtype=np.uint8)
    nibbles = _HEX_LUT[hex_bytes].reshape(n, HEX_PER_PAGE)
    bad_hex = (nibbles == 255).any(axis=1)
    bad_pages = [pages[i] for i in np.flatnonzero(bad_hex)]
    for page in bad_pages:
        skipped.append(
            (page.index, page.byte_offset, "non-hexadecimal characters in the data line")
        )
    if bad_pages:
        keep = ~bad_hex
        pages = [p for p, k in zip(pages, keep, strict=True) if k]
        nibbles = nibbles[keep]
        n = len(pages)
    skipped.sort()

    start_s = np.array([p.start_s for p in pages], dtype=np.float64)
    fs_hz = np.array([p.fs_hz for p in pages], dtype=np.float64)
    sequence = np.array([p.sequence for p in pages], dtype=np.int64)
    index = np.array([p.index for p in pages], dtype=np.int64)
    duration_s = SAMPLES_PER_PAGE / fs_hz
    last_s = start_s + (SAMPLES_PER_PAGE - 1) / fs_hz

    prev_last = np.concatenate(([state.last_time_s], last_s[:-1]))
    prev_start = np.concatenate(([state.last_start_s], start_s[:-1]))
    prev_duration = np.concatenate(([state.last_duration_s], duration_s[:-1]))
    prev_seq = np.concatenate(
        ([-2 if state.last_sequence is None else state.last_sequence], sequence[:-1])
    )
    prev_index = np.concatenate(([state.last_page], index[:-1]))
    backwards = ~(start_s > prev_last)
    if backwards.any():
        k = int(np.flatnonzero(backwards)[0])
        raise UnreadableFileError(
            path,
            f"page {int(index[k])} (sequence {int(sequence[k])}): page time goes back by "
            f"{float(prev_last[k] - start_s[k]):.3f} s; samples cannot be put in order",
        )

    events = skipped_block_events(skipped, index, last_s, state.last_time_s)
    late_s = start_s - (prev_start + prev_duration)
    discontinuous = (prev_index >= 0) & (
        (index != prev_index + 1) | (sequence != prev_seq + 1) | (late_s > CONTINUITY_S)
    )
    for k in np.flatnonzero(discontinuous).tolist():
        reason = gap_reason(
            "page",
            previous_block=int(prev_index[k]),
            block=int(index[k]),
            previous_sequence=int(prev_seq[k]),
            sequence=int(sequence[k]),
            otherwise=f"page time jumps {float(late_s[k]):.3f} s beyond the previous page's end",
        )
        events.append(gap_event(prev_last[k], start_s[k], reason))

    values = nibbles.reshape(n * SAMPLES_PER_PAGE, 12).astype(np.int32)
    raw = np.empty((values.shape[0], 3), dtype=np.int32)
    for axis in range(3):
        d = values[:, 3 * axis : 3 * axis + 3]
        twelve = (d[:, 0] << 8) | (d[:, 1] << 4) | d[:, 2]
        raw[:, axis] = np.where(twelve > 2047, twelve - 4096, twelve)
    acc_g = (raw * 100.0 - calibration.offset) / calibration.gain
    j = np.arange(SAMPLES_PER_PAGE, dtype=np.float64)
    time_s = (start_s[:, None] + j[None, :] / fs_hz[:, None]).reshape(-1)

    if n:
        state.last_time_s = float(last_s[-1])
        state.last_start_s = float(start_s[-1])
        state.last_duration_s = float(duration_s[-1])
        state.last_sequence = int(sequence[-1])
        state.last_page = int(index[-1])
    return Batch(time_s, acc_g, None, events)

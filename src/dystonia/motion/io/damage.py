"""How the device readers report damage: skipped blocks, and the gaps they or the device leave.

Axivity ``.cwa`` files are cut into 512-byte blocks and GENEActiv ``.bin`` files into pages;
both readers skip a damaged block (or page) whole and report it, and report the time gap
between the last sample before it and the first sample after it. This module writes those
reports the same way for both (:class:`~dystonia.motion.io.batches.Event` entries that end up in
``metadata["skipped_blocks"]`` and ``metadata["gaps"]``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dystonia.motion.io.batches import Event

__all__ = ["gap_event", "gap_reason", "skipped_block_events"]


def skipped_block_events(
    skipped: Iterable[tuple[int, int, str]],
    kept_blocks: NDArray[Any],
    kept_last_s: NDArray[Any],
    previous_last_s: float,
) -> list[Event]:
    """One ``"skipped_block"`` event per damaged block of a batch.

    Parameters
    ----------
    skipped : iterable of (block, byte_offset, reason)
        The damaged blocks (block or page number in the file).
    kept_blocks : ndarray of int, sorted
        Numbers of the blocks of the same batch that were decoded.
    kept_last_s : ndarray of float
        Time of the last sample of each decoded block.
    previous_last_s : float
        Time of the last sample before the batch (``-inf`` if none).

    Each event is anchored at the last sample before its block, which decides the chunk that
    reports it.
    """
    anchor = np.concatenate(([previous_last_s], np.asarray(kept_last_s, dtype=np.float64)))
    kept = np.asarray(kept_blocks)
    return [
        Event(
            "skipped_block",
            float(anchor[int(np.searchsorted(kept, block))]),
            {"block": int(block), "byte_offset": int(offset), "reason": reason},
        )
        for block, offset, reason in skipped
    ]


def gap_reason(
    unit: str,
    *,
    previous_block: int,
    block: int,
    previous_sequence: int,
    sequence: int,
    otherwise: str,
) -> str:
    """Why two consecutive decoded blocks are not continuous in time.

    Damaged blocks between them (``"2 damaged blocks skipped (blocks 7-8)"``), else a jump of
    the device's block sequence number, else ``otherwise`` (the device clock jumped).
    ``unit`` names a block in the format (``"block"``, ``"page"``).
    """
    missing = block - previous_block - 1
    if missing > 0:
        lo = previous_block + 1
        span = f"{unit} {lo}" if missing == 1 else f"{unit}s {lo}-{lo + missing - 1}"
        return f"{missing} damaged {unit}{'s' if missing > 1 else ''} skipped ({span})"
    if sequence != previous_sequence + 1:
        return f"{unit} sequence number jumps from {previous_sequence} to {sequence}"
    return otherwise


def gap_event(start_s: float, end_s: float, reason: str) -> Event:
    """A ``"gap"`` event from the last sample before it to the first sample after it."""
    detail = {
        "start_s": float(start_s),
        "end_s": float(end_s),
        "duration_s": float(end_s - start_s),
        "reason": reason,
    }
    return Event("gap", float(start_s), detail)

"""The one type every motion reader returns and every motion analysis takes.

All readers (contract CSV/Parquet, Axivity .cwa, GENEActiv .bin, CloudUPDRS CSV) return a
:class:`Recording`; the streaming readers yield a sequence of them (chunks of one recording,
in time order, each with absolute ``time_s``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Axes", "Recording", "channel_names"]

#: Three axes of one sensor, axis by axis: a ``(3, n)`` array or three arrays of shape ``(n,)``.
Axes = NDArray[np.float64] | Sequence[NDArray[np.float64]]


@dataclass(frozen=True, eq=False)
class Recording:
    """A multichannel inertial recording in physical units.

    Parameters
    ----------
    time_s : ndarray of float64, shape (n,)
        Sample times in seconds, strictly increasing. Absolute (e.g. Unix epoch) or relative;
        analyses only use differences.
    acc_g : ndarray of float, shape (n, 3), or None
        Accelerometer x, y, z in g (standard gravity, 9.80665 m/s^2).
    gyro_dps : ndarray of float, shape (n, 3), or None
        Gyroscope x, y, z in degrees per second.
    source : str
        Where it came from (file path or a label); never patient-identifying text.
    format : str
        Reader that produced it: ``"csv"``, ``"parquet"``, ``"cwa"``, ``"bin"``, ``"cloudupdrs"``,
        or ``"frame"`` for an in-memory table.
    metadata : dict
        Device facts the reader knows (device id, nominal rate, ranges, ...).
    """

    time_s: NDArray[np.float64]
    acc_g: NDArray[np.floating[Any]] | None
    gyro_dps: NDArray[np.floating[Any]] | None
    source: str = ""
    format: str = "frame"
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.time_s.shape[0])

    @property
    def channels(self) -> list[str]:
        """Contract column names present, e.g. ``["acc_x", "acc_y", "acc_z"]``."""
        return channel_names(self.acc_g is not None, self.gyro_dps is not None)


def channel_names(has_acc: bool, has_gyro: bool) -> list[str]:
    """Contract column names of the sensors present, accelerometer first."""
    names: list[str] = []
    if has_acc:
        names += ["acc_x", "acc_y", "acc_z"]
    if has_gyro:
        names += ["gyro_x", "gyro_y", "gyro_z"]
    return names

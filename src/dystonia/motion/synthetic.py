"""Synthetic inertial signals with known answers, for tests, validation and benchmarks.

No public recording is labelled for dystonic tremor, so the properties the analysis claims to
measure are checked on signals whose truth is set here: a tremor of known frequency, amplitude
and direction; an *irregular* tremor whose frequency wanders (dystonic tremor is described as
more irregular than essential tremor, with a higher TSI: Panyakaew et al. 2020,
doi:10.1523/JNEUROSCI.1181-20.2020); episodes of tremor among voluntary movement and sensor
noise; gravity seen from a tilted head.

All generators take a ``numpy.random.Generator`` (or a seed) and are deterministic given it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from dystonia.motion.recording import Recording

__all__ = [
    "Episode",
    "rotation_matrix",
    "smooth_noise",
    "tremor_episodes",
    "tremor_wave",
]

FloatArray = NDArray[np.float64]


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def smooth_noise(
    n: int, fs_hz: float, cutoff_hz: float, *, seed: int | np.random.Generator | None = None
) -> FloatArray:
    """Unit-RMS Gaussian noise low-passed at ``cutoff_hz`` (4th-order Butterworth)."""
    rng = _rng(seed)
    x = rng.standard_normal(n + 2 * int(fs_hz * 4))
    sos = signal.butter(4, cutoff_hz, btype="lowpass", fs=fs_hz, output="sos")
    y = signal.sosfiltfilt(sos, x)[int(fs_hz * 4) : int(fs_hz * 4) + n]
    return np.asarray(y / (np.sqrt(np.mean(y * y)) + 1e-300))


def tremor_wave(
    time_s: NDArray[Any],
    *,
    frequency_hz: float,
    amplitude: float,
    frequency_sd_hz: float = 0.0,
    frequency_bandwidth_hz: float = 1.0,
    amplitude_cv: float = 0.0,
    seed: int | np.random.Generator | None = None,
) -> FloatArray:
    """A tremor oscillation ``a(t) sin(phi(t))`` with optional frequency and amplitude wander.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Uniform sample times.
    frequency_hz : float
        Mean frequency.
    amplitude : float
        Peak amplitude (RMS is ``amplitude / sqrt(2)`` when regular).
    frequency_sd_hz : float
        Standard deviation of the instantaneous frequency (0 = perfectly regular).
    frequency_bandwidth_hz : float
        How fast the frequency wanders (low-pass cut-off of the frequency noise).
    amplitude_cv : float
        Coefficient of variation of the slowly varying amplitude envelope.
    seed : int or Generator, optional
    """
    rng = _rng(seed)
    t = np.asarray(time_s, dtype=np.float64)
    fs = 1.0 / float(np.median(np.diff(t)))
    n = t.shape[0]
    inst_f = np.full(n, float(frequency_hz))
    if frequency_sd_hz > 0:
        inst_f = inst_f + frequency_sd_hz * smooth_noise(n, fs, frequency_bandwidth_hz, seed=rng)
    phase = 2.0 * np.pi * np.cumsum(inst_f) / fs + rng.uniform(0, 2 * np.pi)
    env = np.full(n, float(amplitude))
    if amplitude_cv > 0:
        env = amplitude * np.maximum(1.0 + amplitude_cv * smooth_noise(n, fs, 0.5, seed=rng), 0.0)
    return np.asarray(env * np.sin(phase))


def rotation_matrix(roll_deg: float, pitch_deg: float, yaw_deg: float = 0.0) -> FloatArray:
    """Rotation ``R = Rz(yaw) Ry(pitch) Rx(roll)`` (degrees, right-handed, intrinsic x-y-z)."""
    r, p, y = np.deg2rad([roll_deg, pitch_deg, yaw_deg])
    rx = np.array([[1, 0, 0], [0, np.cos(r), -np.sin(r)], [0, np.sin(r), np.cos(r)]])
    ry = np.array([[np.cos(p), 0, np.sin(p)], [0, 1, 0], [-np.sin(p), 0, np.cos(p)]])
    rz = np.array([[np.cos(y), -np.sin(y), 0], [np.sin(y), np.cos(y), 0], [0, 0, 1]])
    return np.asarray(rz @ ry @ rx)


@dataclass(frozen=True)
class Episode:
    """A stretch of tremor: ``start_s`` to ``start_s + duration_s``."""

    start_s: float
    duration_s: float
    frequency_hz: float
    amplitude: float
    frequency_sd_hz: float = 0.0


def tremor_episodes(
    *,
    duration_s: float,
    episodes: list[Episode],
    fs_hz: float = 100.0,
    noise_deg_s: float = 0.3,
    voluntary_deg_s: float = 0.0,
    axis: NDArray[Any] | None = None,
    seed: int | np.random.Generator | None = None,
) -> Recording:
    """A gyroscope + accelerometer recording with tremor episodes among noise and movement.

    Parameters
    ----------
    duration_s : float
        Length of the recording.
    episodes : list of Episode
        Tremor stretches (amplitudes in deg/s, along ``axis``).
    fs_hz : float
        Sampling rate.
    noise_deg_s : float
        White sensor noise RMS per gyroscope axis.
    voluntary_deg_s : float
        RMS per axis of voluntary movement (noise low-passed at 1.5 Hz).
    axis : ndarray, shape (3,), optional
        Tremor direction (default x).
    seed : int or Generator, optional
    """
    rng = _rng(seed)
    n = round(duration_s * fs_hz)
    t = np.arange(n) / fs_hz
    gyro = rng.normal(0.0, noise_deg_s, (n, 3))
    if voluntary_deg_s > 0:
        for c in range(3):
            gyro[:, c] += voluntary_deg_s * smooth_noise(n, fs_hz, 1.5, seed=rng)
    direction = np.array([1.0, 0.0, 0.0]) if axis is None else np.asarray(axis, dtype=float)
    direction = direction / np.linalg.norm(direction)
    for ep in episodes:
        a = round(ep.start_s * fs_hz)
        b = min(n, round((ep.start_s + ep.duration_s) * fs_hz))
        wave = tremor_wave(
            t[a:b],
            frequency_hz=ep.frequency_hz,
            amplitude=ep.amplitude,
            frequency_sd_hz=ep.frequency_sd_hz,
            seed=rng,
        )
        gyro[a:b] += wave[:, None] * direction[None, :]
    acc = np.tile([0.0, 0.0, 1.0], (n, 1)) + rng.normal(0.0, 0.003, (n, 3))
    return Recording(time_s=t, acc_g=acc, gyro_dps=gyro, source="synthetic", format="synthetic")

"""Synthetic pen recordings with known answers, for tests, validation and benchmarks.

No public pen recording is labelled for dystonia, so what the analysis claims to measure is
checked on drawings whose truth is set here: an Archimedean spiral with a tremor of known
frequency, amplitude and axis (and optionally a stretched aspect, digitiser noise and pixel
quantisation); handwriting whose stroke duration, pressure and share of hesitant strokes
(three velocity inversions instead of one) change by known amounts from line to line; a hold
with a tremor. Every generator is deterministic given its ``seed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dystonia.ink.recording import InkTask

__all__ = [
    "WritingTruth",
    "synthetic_hold",
    "synthetic_spiral",
    "synthetic_writing",
    "tremor_offsets",
]

FloatArray = NDArray[np.float64]


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def tremor_offsets(
    time_s: FloatArray,
    *,
    frequency_hz: float,
    amplitude_mm: float,
    axis_deg: float,
    phase: float = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """Displacement of a linear tremor: ``amplitude_mm * sin(2 pi f t)`` along ``axis_deg``.

    Its RMS is ``amplitude_mm / sqrt(2)`` (what :func:`dystonia.ink.analyze` reports as
    ``amplitude_mm``).
    """
    s = amplitude_mm * np.sin(2 * math.pi * frequency_hz * time_s + phase)
    a = math.radians(axis_deg)
    return s * math.cos(a), s * math.sin(a)


def _finish(
    rng: np.random.Generator, x: FloatArray, y: FloatArray, noise_mm: float, quantum_mm: float
) -> tuple[FloatArray, FloatArray]:
    if noise_mm > 0:
        x = x + rng.normal(0, noise_mm, x.shape)
        y = y + rng.normal(0, noise_mm, y.shape)
    if quantum_mm > 0:
        x = np.round(x / quantum_mm) * quantum_mm
        y = np.round(y / quantum_mm) * quantum_mm
    return x, y


def _times(duration_s: float, fs_hz: float, jitter: float, rng: np.random.Generator) -> FloatArray:
    n = round(duration_s * fs_hz) + 1
    t = np.arange(n) / fs_hz
    if jitter > 0:
        t = t + rng.uniform(-jitter, jitter, n) / fs_hz
        t[0] = 0.0
        t = np.maximum.accumulate(t)
        t[1:] = np.maximum(t[1:], t[:-1] + 1e-4)
    return t


def synthetic_spiral(
    *,
    turns: float = 3.0,
    loop_spacing_mm: float = 10.0,
    duration_s: float = 15.0,
    fs_hz: float = 133.0,
    centre_mm: tuple[float, float] = (80.0, 60.0),
    clockwise: bool = False,
    tremor_hz: float | None = None,
    tremor_mm: float = 0.0,
    tremor_axis_deg: float = 0.0,
    aspect: float = 1.0,
    noise_mm: float = 0.0,
    quantum_mm: float = 0.0,
    jitter: float = 0.0,
    pressure: float = 0.5,
    seed: int | np.random.Generator | None = None,
) -> InkTask:
    """An Archimedean spiral drawn from the inside out at a steady pen speed.

    Parameters
    ----------
    turns : float
        Turns drawn.
    loop_spacing_mm : float
        Radial distance between loops, 2 pi b.
    duration_s, fs_hz : float
        Drawing time and sampling rate.
    centre_mm : (float, float)
    clockwise : bool
        Direction in the y-up frame.
    tremor_hz, tremor_mm, tremor_axis_deg : float
        A linear tremor ``tremor_mm * sin(2 pi f t)`` along ``tremor_axis_deg`` (peak amplitude;
        RMS = tremor_mm / sqrt 2).
    aspect : float
        Horizontal stretch (1 = round).
    noise_mm, quantum_mm : float
        White position noise (SD) and rounding to a grid (e.g. 0.2 mm pixels).
    jitter : float
        Sample-time jitter as a fraction of the sample interval.
    pressure : float
        Constant pressure 0..1 (with 2 % noise).
    seed : int or Generator, optional
    """
    rng = _rng(seed)
    t = _times(duration_s, fs_hz, jitter, rng)
    b = loop_spacing_mm / (2 * math.pi)
    a = b * math.pi  # start half a loop out, as a drawn spiral does
    theta_max = 2 * math.pi * turns
    s_max = a * theta_max + 0.5 * b * theta_max**2  # arc length ~ integral of r dtheta
    s = s_max * t / t[-1]
    theta = (-a + np.sqrt(a * a + 2 * b * s)) / b
    r = a + b * theta
    sign = -1.0 if clockwise else 1.0
    x = centre_mm[0] + aspect * r * np.cos(sign * theta)
    y = centre_mm[1] + r * np.sin(sign * theta)
    if tremor_hz is not None and tremor_mm > 0:
        dx, dy = tremor_offsets(
            t, frequency_hz=tremor_hz, amplitude_mm=tremor_mm, axis_deg=tremor_axis_deg,
            phase=float(rng.uniform(0, 2 * math.pi)),
        )  # fmt: skip
        x, y = x + dx, y + dy
    x, y = _finish(rng, x, y, noise_mm, quantum_mm)
    p = np.clip(pressure + rng.normal(0, 0.02 * pressure, t.shape), 0.0, 1.0)
    return InkTask.from_samples(t, x, y, pressure=p)


def synthetic_hold(
    *,
    duration_s: float = 10.0,
    fs_hz: float = 133.0,
    tremor_hz: float | None = 6.0,
    tremor_mm: float = 0.5,
    tremor_axis_deg: float = 45.0,
    drift_mm: float = 0.5,
    noise_mm: float = 0.02,
    pen_down: bool = False,
    seed: int | np.random.Generator | None = None,
) -> InkTask:
    """The pen held at a point (hovering by default) with a slow drift and a linear tremor."""
    rng = _rng(seed)
    t = _times(duration_s, fs_hz, 0.0, rng)
    x = 50.0 + drift_mm * np.sin(2 * math.pi * 0.1 * t)
    y = 40.0 + drift_mm * np.cos(2 * math.pi * 0.07 * t)
    if tremor_hz is not None and tremor_mm > 0:
        dx, dy = tremor_offsets(
            t, frequency_hz=tremor_hz, amplitude_mm=tremor_mm, axis_deg=tremor_axis_deg
        )
        x, y = x + dx, y + dy
    x, y = _finish(rng, x, y, noise_mm, 0.0)
    down = np.full(t.shape, pen_down)
    p = np.where(down, 0.4, 0.0)
    return InkTask.from_samples(t, x, y, pressure=p, pen_down=down)


@dataclass(frozen=True)
class WritingTruth:
    """What :func:`synthetic_writing` built, per line."""

    lines: int
    strokes_per_line: list[int]
    stroke_frequency_hz: list[float]
    velocity_inversions_per_stroke: list[float]
    pressure: list[float]
    stroke_height_mm: list[float]
    pen_down_s: float
    in_air_s: float

    def slope(self, name: str) -> float:
        """Least-squares slope per line of a per-line truth list."""
        values = np.asarray(getattr(self, name), dtype=float)
        return float(np.polyfit(np.arange(values.size), values, 1)[0])


def _stroke_profile(s: FloatArray, hesitant: bool, depth: float = 0.8) -> FloatArray:
    """Warped time 0..1 of a stroke; a hesitant stroke slows down in its middle."""
    if not hesitant:
        return s
    return s + depth / (2 * math.pi) * np.sin(2 * math.pi * s)


def synthetic_writing(
    *,
    lines: int = 5,
    words_per_line: int = 4,
    letters_per_word: int = 4,
    stroke_duration_s: float = 0.18,
    slowing_per_line: float = 0.0,
    stroke_height_mm: float = 4.0,
    height_change_per_line_mm: float = 0.0,
    x_speed_mm_s: float = 12.0,
    line_spacing_mm: float = 12.0,
    word_pause_s: float = 0.35,
    line_pause_s: float = 1.0,
    pressure: float = 0.45,
    pressure_per_line: float = 0.0,
    hesitant_fraction: float = 0.0,
    hesitant_per_line: float = 0.0,
    tremor_hz: float | None = None,
    tremor_mm: float = 0.0,
    tremor_axis_deg: float = 90.0,
    fs_hz: float = 133.0,
    noise_mm: float = 0.0,
    variability: float = 0.15,
    seed: int | np.random.Generator | None = None,
) -> tuple[InkTask, WritingTruth]:
    """Cursive-like handwriting: words of up-and-down strokes, lines one below the other.

    Each word is one pen-down run of ``2 * letters_per_word`` strokes (alternately up and
    down by ``stroke_height_mm``) while the pen moves right at ``x_speed_mm_s``; the pen is
    lifted between words (``word_pause_s``) and between lines (``line_pause_s``). Line ``k``
    has stroke duration ``stroke_duration_s * (1 + slowing_per_line * k)``, stroke height
    ``stroke_height_mm + height_change_per_line_mm * k``, pressure ``pressure +
    pressure_per_line * k``, and a share ``hesitant_fraction + hesitant_per_line * k`` of
    hesitant strokes (a mid-stroke slow-down: three velocity inversions instead of one).
    Stroke durations and heights vary around these values with coefficient of variation
    ``variability`` (uniform, mean-preserving per line), as real strokes do.

    Returns
    -------
    (InkTask, WritingTruth)
    """
    rng = _rng(seed)
    ts: list[FloatArray] = []
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    ps: list[FloatArray] = []
    truth_sf, truth_niv, truth_p, truth_h, per_line = [], [], [], [], []
    clock = 0.0
    pen_down_s = 0.0

    for k in range(lines):
        dur = stroke_duration_s * (1 + slowing_per_line * k)
        height = stroke_height_mm + height_change_per_line_mm * k
        pk = pressure + pressure_per_line * k
        n_strokes = words_per_line * 2 * letters_per_word
        share = min(max(hesitant_fraction + hesitant_per_line * k, 0.0), 1.0)
        n_hes = round(share * n_strokes)
        hes = np.zeros(n_strokes, dtype=bool)
        hes[rng.choice(n_strokes, size=n_hes, replace=False)] = True
        base_y = -k * line_spacing_mm
        durations: list[float] = []
        heights: list[float] = []
        x0 = 0.0
        s_idx = 0
        for w in range(words_per_line):
            # one word: pen-down run sampled at fs
            word_t: list[FloatArray] = []
            word_y: list[FloatArray] = []
            start = 0.0
            level = -0.5 * height
            for j in range(2 * letters_per_word):
                half = math.sqrt(3.0) * variability
                d_j = dur * (1 + rng.uniform(-half, half))
                h_j = height * (1 + rng.uniform(-half, half))
                n = max(round(d_j * fs_hz), 3)
                s = np.arange(n) / n if j < 2 * letters_per_word - 1 else np.arange(n + 1) / n
                g = _stroke_profile(s, bool(hes[s_idx]))
                up = j % 2 == 0
                target = (0.5 if up else -0.5) * h_j
                yy = level + (target - level) * 0.5 * (1 - np.cos(math.pi * g))
                word_t.append(start + s * d_j)
                word_y.append(yy)
                durations.append(d_j)
                heights.append(abs(target - level))
                start += d_j
                level = target
                s_idx += 1
            tw = np.concatenate(word_t)
            yw = np.concatenate(word_y)
            t_abs = clock + tw
            xw = x0 + x_speed_mm_s * tw
            ts.append(t_abs)
            xs.append(xw)
            ys.append(base_y + yw)
            ps.append(np.full(tw.shape, pk))
            pen_down_s += float(tw[-1] - tw[0])
            clock = float(t_abs[-1]) + (word_pause_s if w < words_per_line - 1 else line_pause_s)
            x0 = float(xw[-1]) + 4.0
        truth_sf.append(len(durations) / float(np.sum(durations)))
        truth_niv.append(1.0 + 2.0 * n_hes / n_strokes)
        truth_p.append(pk)
        truth_h.append(float(np.median(heights)))
        per_line.append(n_strokes)
    t = np.concatenate(ts)
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    if tremor_hz is not None and tremor_mm > 0:
        dx, dy = tremor_offsets(
            t, frequency_hz=tremor_hz, amplitude_mm=tremor_mm, axis_deg=tremor_axis_deg
        )
        x, y = x + dx, y + dy
    x, y = _finish(rng, x, y, noise_mm, 0.0)
    p = np.clip(np.concatenate(ps) + rng.normal(0, 0.005, t.shape), 0.0, 1.0)
    task = InkTask.from_samples(t, x, y, pressure=p, gap_s=min(word_pause_s, line_pause_s) * 0.5)
    duration = float(t[-1] - t[0])
    truth = WritingTruth(
        lines=lines,
        strokes_per_line=per_line,
        stroke_frequency_hz=truth_sf,
        velocity_inversions_per_stroke=truth_niv,
        pressure=truth_p,
        stroke_height_mm=truth_h,
        pen_down_s=pen_down_s,
        in_air_s=duration - pen_down_s,
    )

    return task, truth

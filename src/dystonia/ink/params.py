"""Every tunable number of the pen analysis, in one place, with its source.

Values marked "ours" were chosen for this package on synthetic drawings with known answers and
on the UCI control spirals (see ``docs/validation.md``); none has been validated on recordings
labelled for dystonia, because no such public pen data set exists. Out-of-range values raise
:class:`dystonia.exceptions.InvalidInputError`; nothing is clamped.

References
----------
.. [1] Pullman SL. Spiral analysis: a new technique for measuring tremor with a digitizing
   tablet. Mov Disord. 1998;13(Suppl 3):85-89. doi:10.1002/mds.870131315
.. [2] Marquardt C, Mai N. A computational procedure for movement analysis in handwriting.
   J Neurosci Methods. 1994;52(1):39-45. doi:10.1016/0165-0270(94)90053-1
.. [3] Mai N, Marquardt C. Treatment of writer's cramp. Kinematic measures as an assessment
   tool for planning and evaluating training procedures. In: Faure C et al., eds. Advances in
   Handwriting and Drawing. Paris: Europia; 1994:445-461. [unverified: page range]
.. [4] Elble RJ, McNames J. Using portable transducers to measure tremor severity. Tremor Other
   Hyperkinet Mov. 2016;6:375. doi:10.7916/D8DR2VCC
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from dystonia.exceptions import InvalidInputError
from dystonia.validation import check_range

__all__ = [
    "InkParams",
    "KindParams",
    "PrepareParams",
    "SpiralParams",
    "TremorParams",
    "WritingParams",
]


def _band(name: str, band: tuple[float, float], low: float, high: float) -> None:
    if len(band) != 2:
        raise InvalidInputError(name, band, reason="must be two numbers (low, high)")
    check_range(f"{name}[0]", band[0], low=low, high=high, unit="Hz")
    check_range(f"{name}[1]", band[1], low=low, high=high, unit="Hz")
    if not band[0] < band[1]:
        raise InvalidInputError(name, band, reason=f"{band} is not increasing")


@dataclass(frozen=True)
class PrepareParams:
    """Resampling and filtering of each pen-down run.

    Parameters
    ----------
    fs_hz : float
        Uniform analysis rate (100 Hz). Pen samples arrive at 60-240 Hz with jitter (browser
        events, 7/8-ms tablet steps); each run is interpolated linearly onto this grid, never
        across a pause. 100 Hz keeps the 3-12 Hz tremor band far below Nyquist.
    lowpass_hz : float
        Zero-phase 4th-order Butterworth low-pass applied before geometry and kinematics
        (12 Hz). Source: the spiral recipe of ``research/media.md`` (raw dr/dtheta of the UCI
        tablet is dominated by integer-pixel quantisation; low-pass at 12 Hz first), which keeps
        the whole tremor band. Tremor spectra are computed on the unfiltered resampled runs.
    """

    fs_hz: float = 100.0
    lowpass_hz: float = 12.0

    def __post_init__(self) -> None:
        check_range("prepare.fs_hz", self.fs_hz, low=40.0, high=2000.0, unit="Hz")
        check_range("prepare.lowpass_hz", self.lowpass_hz, low=5.0, high=0.45 * self.fs_hz)


@dataclass(frozen=True)
class TremorParams:
    """Tremor frequency, amplitude and axis of the pen path, and when to call it tremor.

    Method: the Welch spectra of x and y (and their cross-spectrum) are averaged over the runs
    of at least ``min_segment_s``; a smooth background (a quadratic in log-frequency and
    log-power, fitted robustly over ``background_hz``) stands for the voluntary drawing
    movement and digitiser noise; the tremor peak is the largest excess over that background
    inside ``band_hz``. Tremor is *present* when the peak is at least
    ``min_peak_to_background`` times the background and its amplitude at least
    ``min_amplitude_mm``. The axis is the principal direction of the 2x2 cross-spectral matrix
    summed over the peak (research/media.md: first principal direction of the band-passed
    (x, y), with the eigenvalue ratio as its strength; Michalec et al. 2014 report a single
    spiral axis in 84 % of essential and 53 % of dystonic tremor).

    Parameters
    ----------
    band_hz : (float, float)
        Tremor band (3-12 Hz), as in :mod:`dystonia.motion` (parkinsonian, essential and
        dystonic tremor frequencies; Elble 2013, PMC3580791).
    background_hz : (float, float)
        Range of the background fit (2-20 Hz). Ours.
    window_s : float
        Welch segment length (2 s; 0.5 Hz resolution). Runs shorter than this use one segment.
    frequency_step_hz : float
        FFT grid step after zero-padding (0.25 Hz).
    min_segment_s : float
        Shortest run used for spectra (1 s).
    min_analysed_s : float
        Least total run time for tremor to be assessed at all (2 s); below it ``present`` is
        null ("not assessed").
    peak_half_width_hz : float
        Half width of the band whose excess power is the tremor power (1 Hz).
    min_peak_to_background : float
        Peak-to-background power ratio needed to call tremor (4, i.e. 6 dB). Ours: the 30 UCI
        control spirals reach at most 4.8 (one spiral, whose amplitude is 0.04 mm), most under
        2; clear tremor spirals reach 6-100.
    min_amplitude_mm : float
        RMS amplitude of the tremor displacement needed to call tremor (0.05 mm). Ours: about
        twice the quantisation noise of a 0.2-mm digitiser grid in the band, and above the
        0.01-0.04 mm peaks of the UCI controls.
    """

    band_hz: tuple[float, float] = (3.0, 12.0)
    background_hz: tuple[float, float] = (2.0, 20.0)
    window_s: float = 2.0
    frequency_step_hz: float = 0.25
    min_segment_s: float = 1.0
    min_analysed_s: float = 2.0
    peak_half_width_hz: float = 1.0
    min_peak_to_background: float = 4.0
    min_amplitude_mm: float = 0.05

    def __post_init__(self) -> None:
        _band("tremor.band_hz", self.band_hz, 0.5, 40.0)
        _band("tremor.background_hz", self.background_hz, 0.5, 45.0)
        check_range("tremor.window_s", self.window_s, low=0.5, high=20.0, unit="s")
        check_range(
            "tremor.frequency_step_hz", self.frequency_step_hz, low=0.01, high=1.0, unit="Hz"
        )
        check_range("tremor.min_segment_s", self.min_segment_s, low=0.2, high=60.0, unit="s")
        check_range("tremor.min_analysed_s", self.min_analysed_s, low=0.2, high=600.0, unit="s")
        check_range(
            "tremor.peak_half_width_hz", self.peak_half_width_hz, low=0.1, high=5.0, unit="Hz"
        )
        check_range("tremor.min_peak_to_background", self.min_peak_to_background, low=1.0, high=1e6)
        check_range("tremor.min_amplitude_mm", self.min_amplitude_mm, low=0.0, high=100.0)


@dataclass(frozen=True)
class SpiralParams:
    """Spiral geometry (Pullman 1998 [1]_; centre by least squares, after Wang et al. 2008).

    Parameters
    ----------
    angle_step_deg : float
        Grid step of the unwrapped angle on which r(theta) is resampled before the smoothness
        derivatives (1 degree, research/media.md).
    min_turns : float
        Fewest turns for the spiral measures to be computed (1.0).
    elongation_note : float
        Aspect ratio above which the report notes that the spiral is elongated (1.25). Ours:
        the UCI spirals drawn on a differently scaled screen come out 1.5-2 times wider than
        high, and their smoothness and loop-width figures are inflated by it.
    """

    angle_step_deg: float = 1.0
    min_turns: float = 1.0
    elongation_note: float = 1.25

    def __post_init__(self) -> None:
        check_range("spiral.angle_step_deg", self.angle_step_deg, low=0.1, high=10.0)
        check_range("spiral.min_turns", self.min_turns, low=0.5, high=50.0)
        check_range("spiral.elongation_note", self.elongation_note, low=1.0, high=10.0)


@dataclass(frozen=True)
class WritingParams:
    """Strokes, velocity inversions, lines and deterioration of handwriting.

    Parameters
    ----------
    min_stroke_height_mm : float
        Strokes are the pieces between extremes of the vertical position, i.e. zero crossings
        of vertical velocity (Marquardt & Mai 1994 [2]_); an extreme counts only if the pen
        moved at least this far vertically since the previous one (0.25 mm), so that digitiser
        noise in a pause does not split strokes. Ours.
    niv_min_prominence_mm_s : float
        A local extreme of the absolute (tangential) velocity inside a stroke counts as a
        velocity inversion if its prominence is at least this (2 mm/s) ...
    niv_min_prominence_fraction : float
        ... and at least this fraction of the stroke's peak speed (0.1). Ours: a fluent stroke
        (one velocity peak) scores 1 inversion, as in Mai & Marquardt's NIV [3]_.
    line_min_drop_mm : float
        A pen-down run starts a new line when it begins left of where the previous run ended and
        its median height is at least this far below the current line (5 mm). Ours.
    time_window_s : float
        Length of the consecutive windows of writing time over which deterioration with time is
        measured (10 s). Ours.
    rhythm_exclusion_hz : float
        Half width of the band around the writing's own up-and-down rhythm (half the stroke
        frequency, 2-4 Hz) in which a spectral peak is not taken as tremor (0.75 Hz). Ours:
        fast synthetic writing (7 strokes/s) otherwise shows its rhythm as a 3.5 Hz "tremor";
        a real tremor at that very frequency cannot be told apart from the writing.
    """

    min_stroke_height_mm: float = 0.25
    niv_min_prominence_mm_s: float = 2.0
    niv_min_prominence_fraction: float = 0.1
    line_min_drop_mm: float = 5.0
    time_window_s: float = 10.0
    rhythm_exclusion_hz: float = 0.75

    def __post_init__(self) -> None:
        check_range("writing.min_stroke_height_mm", self.min_stroke_height_mm, low=0.0, high=20)
        check_range(
            "writing.niv_min_prominence_mm_s", self.niv_min_prominence_mm_s, low=0.0, high=1000
        )
        check_range(
            "writing.niv_min_prominence_fraction",
            self.niv_min_prominence_fraction,
            low=0.0,
            high=1.0,
        )
        check_range("writing.line_min_drop_mm", self.line_min_drop_mm, low=0.5, high=200.0)
        check_range("writing.time_window_s", self.time_window_s, low=1.0, high=600.0)
        check_range("writing.rhythm_exclusion_hz", self.rhythm_exclusion_hz, low=0.0, high=5.0)


@dataclass(frozen=True)
class KindParams:
    """How a task's kind is detected when neither the file nor the caller gives it.

    Parameters
    ----------
    hold_max_extent_mm : float
        A task whose pen path fits in a box with this diagonal is a hold (15 mm). Ours.
    spiral_min_turns : float
        Fewest turns around the fitted centre for a spiral (1.5). Ours.
    spiral_min_monotonic : float
        Least share of the angle travelled (around the fitted centre) that goes forward (0.8).
        Ours: 0.9-1.0 for the UCI spirals and circles, about 0.5 for synthetic handwriting.
    spiral_max_residual_fraction : float
        Largest RMS radial residual of the Archimedean fit, as a fraction of the largest radius
        (0.35). Ours: up to 0.25 for the UCI spirals drawn on a stretched screen.
    """

    hold_max_extent_mm: float = 15.0
    spiral_min_turns: float = 1.5
    spiral_min_monotonic: float = 0.8
    spiral_max_residual_fraction: float = 0.35

    def __post_init__(self) -> None:
        check_range("kind.hold_max_extent_mm", self.hold_max_extent_mm, low=0.0, high=1000.0)
        check_range("kind.spiral_min_turns", self.spiral_min_turns, low=0.5, high=50.0)
        check_range("kind.spiral_min_monotonic", self.spiral_min_monotonic, low=0.0, high=1.0)
        check_range(
            "kind.spiral_max_residual_fraction",
            self.spiral_max_residual_fraction,
            low=0.0,
            high=10.0,
        )


@dataclass(frozen=True)
class InkParams:
    """All settings of :func:`dystonia.ink.analyze`."""

    prepare: PrepareParams = field(default_factory=PrepareParams)
    tremor: TremorParams = field(default_factory=TremorParams)
    spiral: SpiralParams = field(default_factory=SpiralParams)
    writing: WritingParams = field(default_factory=WritingParams)
    kind: KindParams = field(default_factory=KindParams)

    def __post_init__(self) -> None:
        if self.tremor.band_hz[1] >= 0.45 * self.prepare.fs_hz:
            raise InvalidInputError(
                "tremor.band_hz",
                self.tremor.band_hz,
                reason=f"upper edge must be below 0.45 x prepare.fs_hz ({self.prepare.fs_hz} Hz)",
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)

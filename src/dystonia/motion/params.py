"""Every tunable number of the motion analysis, in one place, with its source.

The analysis reads its thresholds only from these frozen dataclasses; nothing else in
:mod:`dystonia.motion` hard-codes a threshold. Each field states its unit in its name and where
its default comes from. Values marked "ours" were chosen for this package on synthetic signals
and checked against the paradigma PPP reference (see ``docs/validation.md``); they have not been
validated on recordings labelled for dystonic tremor, because no such public data set exists.

Out-of-range values raise :class:`dystonia.exceptions.InvalidInputError`; nothing is clamped.

References
----------
.. [1] di Biase L, Brittain JS, Shah SA, et al. Tremor stability index: a new tool for
   differential diagnosis in tremor syndromes. Brain. 2017;140(7):1977-1986.
   doi:10.1093/brain/awx104
.. [2] Luft F, Sharifi S, Mugge W, et al. A power spectral density-based method to detect
   tremor and tremor intermittency in movement disorders. Sensors. 2019;19(19):4301.
   doi:10.3390/s19194301
.. [3] van Hees VT, Gorzelniak L, Dean Leon EC, et al. Separating movement and gravity
   components in an acceleration signal and implications for the assessment of human daily
   physical activity. PLoS One. 2013;8(4):e61691. doi:10.1371/journal.pone.0061691
.. [4] Timmermans et al. Tremor detection in daily life with the open-source paradigma
   toolbox (4-s windows, gyroscope). npj Parkinson's Disease. 2025.
   doi:10.1038/s41531-025-01056-2 [unverified: title paraphrased, not checked]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from dystonia.exceptions import InvalidInputError
from dystonia.validation import check_range

__all__ = [
    "STANDARD_GRAVITY_M_S2",
    "MotionParams",
    "NonWearParams",
    "PrepareParams",
    "TremorParams",
]

#: Standard gravity in m/s^2 (CGPM 1901), used to convert accelerometer g to m/s^2.
STANDARD_GRAVITY_M_S2 = 9.80665


@dataclass(frozen=True)
class PrepareParams:
    """Sampling, gap and gravity settings.

    Parameters
    ----------
    gap_factor : float
        A step between consecutive samples longer than ``gap_factor`` times the median step is
        a gap (default 1.5, as the issue asks). Samples are never interpolated across a gap.
    gap_threshold_s : float or None
        Absolute gap threshold in seconds; overrides ``gap_factor`` when given.
    gravity_cutoff_hz : float
        Cut-off of the 4th-order zero-phase Butterworth low-pass whose output is taken as the
        gravity estimate and subtracted from the accelerometer (default 0.25 Hz; a common choice
        for separating posture from movement, e.g. Karantonis 2006,
        doi:10.1109/TITB.2005.856864 [unverified: exact cut-off of that paper]). Tremor analysis
        is band-limited to >= 3 Hz, so the choice hardly affects tremor results.
    """

    gap_factor: float = 1.5
    gap_threshold_s: float | None = None
    gravity_cutoff_hz: float = 0.25

    def __post_init__(self) -> None:
        check_range("gap_factor", self.gap_factor, low=1.01, high=100.0)
        if self.gap_threshold_s is not None:
            check_range("gap_threshold_s", self.gap_threshold_s, low=1e-6, high=86400.0, unit="s")
        check_range("gravity_cutoff_hz", self.gravity_cutoff_hz, low=0.01, high=2.0, unit="Hz")


@dataclass(frozen=True)
class NonWearParams:
    """Non-wear detection after van Hees et al. 2013 [3]_, with GGIR's defaults.

    A 15-min block is non-wear when, in the 60-min window centred on it, at least
    ``min_axes`` accelerometer axes have a standard deviation below ``sd_threshold_g`` and a
    range below ``range_threshold_g``. The numbers are GGIR's ``detect_nonwear_clipping``
    defaults (``windowsizes = c(5, 900, 3600)``, ``sdcriter = 0.013``, ``racriter = 0.05``,
    ``nonwear_approach = "2013"``, ``wearthreshold = 2``), checked in the GGIR reference manual.
    Recordings shorter than one window are not assessed.

    Parameters
    ----------
    enabled : bool
        Run the detection (only possible with an accelerometer).
    window_s, step_s : float
        Window (3600 s) and block/step (900 s) lengths.
    sd_threshold_g, range_threshold_g : float
        Per-axis standard deviation (0.013 g) and range (0.050 g) criteria.
    min_axes : int
        Number of axes that must meet both criteria (2).
    """

    enabled: bool = True
    window_s: float = 3600.0
    step_s: float = 900.0
    sd_threshold_g: float = 0.013
    range_threshold_g: float = 0.050
    min_axes: int = 2

    def __post_init__(self) -> None:
        check_range("non_wear.step_s", self.step_s, low=10.0, high=86400.0, unit="s")
        check_range("non_wear.window_s", self.window_s, low=self.step_s, high=86400.0, unit="s")
        ratio = self.window_s / self.step_s
        if abs(ratio - round(ratio)) > 1e-9:
            raise InvalidInputError(
                "non_wear.window_s",
                self.window_s,
                reason=f"{self.window_s} is not a whole multiple of step_s {self.step_s}",
            )
        check_range("non_wear.sd_threshold_g", self.sd_threshold_g, low=0.0, high=1.0, unit="g")
        check_range(
            "non_wear.range_threshold_g", self.range_threshold_g, low=0.0, high=2.0, unit="g"
        )
        if self.min_axes not in (1, 2, 3):
            raise InvalidInputError("non_wear.min_axes", self.min_axes, allowed=[1, 2, 3])


@dataclass(frozen=True)
class TremorParams:
    """Windowing, spectrum and the tremor detection rule.

    Detection rule (per window): conditions 1 and 2 must hold, and either 3a or 3b.

    1. the largest spectral peak of the three-axis power spectrum inside ``band_hz`` is a local
       maximum (not the band edge);
    2. tremor amplitude (RMS of the magnitude of the band-filtered three-axis vector) >=
       ``min_amplitude_deg_s`` (gyroscope) or ``min_amplitude_m_s2`` (accelerometer only), so
       that sensor noise and faint physiological tremor are not reported;
    3a. **resting rule**: peak ratio = power within ``peak_half_width_hz`` of that peak / power
       in ``reference_band_hz`` >= ``min_peak_ratio`` (a relative-power rule in the spirit of
       Luft et al. 2019 [2]_, who classify 3-s windows by the power around the peak relative to
       the tremor band; their exact threshold was not checked here [unverified]). Large
       voluntary movement (< 3 Hz) fills the broad reference band and hides a tremor here;
    3b. **movement rule** (``detect_during_movement``): the peak window (``peak_half_width_hz``
       on each side) lies inside ``band_hz``; it holds >= ``moving_min_band_ratio`` of the
       power *of the tremor band* (Luft et al.'s normalisation, which ignores the voluntary
       movement below the band); and the peak's power density is >= ``moving_min_prominence``
       times the largest density ``moving_prominence_below_hz`` below it, so the peak is a
       separate oscillation and not the high-frequency shoulder of the voluntary movement
       spectrum (paradigma likewise separates "below tremor power", 0.5-3 Hz, from tremor
       power [4]_). Ours: chosen on the synthetic episodes and the PPP recording of
       docs/validation.md.

    Parameters
    ----------
    window_s : float
        Window length (4 s: paradigma's window [4]_; gives 0.25 Hz raw resolution).
    overlap : float
        Fraction of overlap between consecutive windows, 0 <= overlap < 1 (default 0, so that
        the fraction of tremor windows equals the fraction of time).
    band_hz : (float, float)
        Tremor band (3-12 Hz). It spans parkinsonian rest tremor (3-8 Hz), essential tremor
        (4-12 Hz) and the rhythmic 5-11 Hz activity of dystonic tremor during contraction
        (PMC6806079; Elble 2013, PMC3580791). Below 3 Hz voluntary movement dominates, so
        slow dystonic head oscillations (about 0.3 and 2.6 Hz in cervical dystonia) are
        deliberately outside this detector; lower ``band_hz[0]`` to study them.
    reference_band_hz : (float, float)
        Band whose power normalises the peak power (0.5-20 Hz, capped at 0.45 fs), so that
        large voluntary movements (< 3 Hz) lower the peak ratio. Ours: normalising by the
        tremor band alone (as Luft et al. do for laboratory tasks) detected every synthetic
        tremor but flagged 100 of 182 windows of the real PPP free-living recording, most of
        them voluntary movement; the broad band keeps free-living specificity at the cost of
        missing tremor hidden under large voluntary movement (see docs/validation.md).
    peak_half_width_hz : float
        Half width of the band counted as "peak power" (1.0 Hz). Ours: wide enough to keep most
        of an irregular (dystonic) tremor whose frequency wanders within a window.
    min_peak_ratio : float
        Threshold of the peak ratio (0.30). Ours.
    detect_during_movement : bool
        Apply the movement rule 3b (default True).
    moving_min_band_ratio : float
        Threshold of the in-band peak ratio of rule 3b (0.5). Ours: a tremor's power within
        +-1 Hz of its peak is 0.7-1.0 of the 3-12 Hz power on the synthetic episodes (0.5 for
        10 % of irregular ones), while a voluntary-movement spectrum decaying through the band
        puts 0.2-0.5 of it there.
    moving_min_prominence : float
        Threshold of the low-side prominence of rule 3b (4, i.e. 6 dB). Ours: with 2 or 3, six
        more windows of the real PPP recording (all with paradigma tremor probabilities of
        0.001-0.014, far under its 0.03 threshold) were called tremor; with 4, one.
    moving_prominence_below_hz : (float, float)
        Range below the peak whose largest power density the peak is compared with (0.5-1.5 Hz:
        beyond the main lobe of a 4-s Hann window, 0.5 Hz, and within the span where the
        voluntary-movement spectrum would still be rising towards lower frequencies).
    min_amplitude_deg_s : float
        Gyroscope amplitude floor (1.5 deg/s). Ours: about 2.4 times the quietest 4-s window of
        the PPP wrist recording (0.62 deg/s in 3-12 Hz); with 1.0 deg/s the PPP comparison gained
        one paradigma tremor window and 16 windows paradigma did not call tremor.
    min_amplitude_m_s2 : float
        Accelerometer amplitude floor (0.03 m/s^2). Ours: about 3 times the 3-12 Hz noise of a
        smartphone lying still (0.009 m/s^2, CloudUPDRS leg rest-tremor recordings rated 0);
        0.05 m/s^2 missed the right-hand rest tremor that the clinician rated 2 (0.04 m/s^2).
        Faint physiological tremor can exceed this floor.
    band_transition_hz : float
        Width of the cosine roll-off outside each band edge of the flat FFT band-pass used for
        amplitude, power and directionality (0.5 Hz).
    zero_pad_factor : int
        FFT length is ``zero_pad_factor`` times the next power of two of the window (2: 0.1-Hz
        bins for a 4-s window at 100 Hz); the peak is refined by parabolic interpolation of log
        power (frequency error of a sinusoid < 0.001 Hz in the validation).
    tsi_half_band_hz : float
        Half width of the band-pass around the peak frequency before zero-crossing analysis
        (2 Hz, 3rd-order Butterworth, di Biase et al. 2017 [1]_).
    tsi_filter_order : int
        Order of that band-pass (3, as in [1]_).
    tsi_min_cycles : int
        Fewest cycle-to-cycle frequency changes needed to report a TSI (20); di Biase used
        100 s of tremor. Ours.
    tsi_cutoff_hz : float
        Reference cut-off of [1]_: TSI above 1.05 Hz favoured Parkinson's disease, below
        essential tremor (reported for context only; never used as a diagnosis).
    context_s : float
        Seconds of signal kept on each side of a window for filtering (2.0 s), so that filter
        transients at chunk boundaries do not reach the window.
    spectrogram_step_hz, spectrogram_max_hz : float
        Resolution and upper limit of the per-window spectrum kept for plots (0.5 Hz, 20 Hz).
    """

    window_s: float = 4.0
    overlap: float = 0.0
    band_hz: tuple[float, float] = (3.0, 12.0)
    reference_band_hz: tuple[float, float] = (0.5, 20.0)
    peak_half_width_hz: float = 1.0
    min_peak_ratio: float = 0.30
    min_amplitude_deg_s: float = 1.5
    min_amplitude_m_s2: float = 0.03
    detect_during_movement: bool = True
    moving_min_band_ratio: float = 0.5
    moving_min_prominence: float = 4.0
    moving_prominence_below_hz: tuple[float, float] = (0.5, 1.5)
    band_transition_hz: float = 0.5
    zero_pad_factor: int = 2
    tsi_half_band_hz: float = 2.0
    tsi_filter_order: int = 3
    tsi_min_cycles: int = 20
    tsi_cutoff_hz: float = 1.05
    context_s: float = 2.0
    spectrogram_step_hz: float = 0.5
    spectrogram_max_hz: float = 20.0

    def __post_init__(self) -> None:
        check_range("window_s", self.window_s, low=1.0, high=600.0, unit="s")
        check_range("overlap", self.overlap, low=0.0, high=0.9)
        _check_band("band_hz", self.band_hz, low=0.5, high=100.0)
        _check_band("reference_band_hz", self.reference_band_hz, low=0.1, high=200.0)
        if (
            self.reference_band_hz[0] > self.band_hz[0]
            or self.reference_band_hz[1] < self.band_hz[1]
        ):
            raise InvalidInputError(
                "reference_band_hz",
                self.reference_band_hz,
                reason=f"{self.reference_band_hz} must contain band_hz {self.band_hz}",
            )
        check_range("peak_half_width_hz", self.peak_half_width_hz, low=0.1, high=5.0, unit="Hz")
        check_range("min_peak_ratio", self.min_peak_ratio, low=0.0, high=1.0)
        check_range("min_amplitude_deg_s", self.min_amplitude_deg_s, low=0.0, high=1000.0)
        check_range("min_amplitude_m_s2", self.min_amplitude_m_s2, low=0.0, high=100.0)
        if not isinstance(self.detect_during_movement, bool):
            raise InvalidInputError(
                "detect_during_movement", self.detect_during_movement, allowed=[True, False]
            )
        check_range("moving_min_band_ratio", self.moving_min_band_ratio, low=0.0, high=1.0)
        check_range("moving_min_prominence", self.moving_min_prominence, low=1.0, high=1e6)
        _check_band(
            "moving_prominence_below_hz", self.moving_prominence_below_hz, low=0.1, high=5.0
        )
        for name in ("tsi_filter_order",):
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= 8:
                raise InvalidInputError(name, value, allowed="integer 1-8")
        check_range("band_transition_hz", self.band_transition_hz, low=0.05, high=5.0, unit="Hz")
        if not isinstance(self.zero_pad_factor, int) or not 1 <= self.zero_pad_factor <= 16:
            raise InvalidInputError("zero_pad_factor", self.zero_pad_factor, allowed="integer 1-16")
        check_range("tsi_half_band_hz", self.tsi_half_band_hz, low=0.5, high=5.0, unit="Hz")
        if not isinstance(self.tsi_min_cycles, int) or self.tsi_min_cycles < 2:
            raise InvalidInputError("tsi_min_cycles", self.tsi_min_cycles, allowed="integer >= 2")
        check_range("tsi_cutoff_hz", self.tsi_cutoff_hz, low=0.0, high=10.0, unit="Hz")
        check_range("context_s", self.context_s, low=0.0, high=60.0, unit="s")
        check_range("spectrogram_step_hz", self.spectrogram_step_hz, low=0.05, high=5.0)
        check_range("spectrogram_max_hz", self.spectrogram_max_hz, low=1.0, high=500.0)

    def check_sampling(self, fs_hz: float) -> None:
        """Raise unless ``fs_hz`` resolves the tremor and reference bands.

        The upper band edge and the edge of the cycle band-pass must stay below 0.45 fs.
        """
        needed = 2.0 * (self.band_hz[1] + self.tsi_half_band_hz) / 0.9
        if fs_hz < needed:
            raise InvalidInputError(
                "fs_hz",
                round(fs_hz, 3),
                allowed=f">= {needed:.1f} Hz for band_hz {self.band_hz}",
                reason=f"sampling rate {fs_hz:.3f} Hz is too low for the tremor band",
            )


def _check_band(name: str, band: Any, *, low: float, high: float) -> None:
    if not isinstance(band, tuple | list) or len(band) != 2:
        raise InvalidInputError(name, band, reason=f"{band!r} is not a (low, high) pair")
    lo = check_range(f"{name}[0]", band[0], low=low, high=high, unit="Hz")
    hi = check_range(f"{name}[1]", band[1], low=low, high=high, unit="Hz")
    if not lo < hi:
        raise InvalidInputError(name, tuple(band), reason=f"{tuple(band)} has low >= high")


@dataclass(frozen=True)
class MotionParams:
    """All settings of :func:`dystonia.motion.analyze`.

    Parameters
    ----------
    prepare : PrepareParams
    tremor : TremorParams
    non_wear : NonWearParams
    prefer : {"gyro", "acc"}
        Signal analysed for tremor when both are present. The gyroscope is preferred: it is
        insensitive to gravity and correlates better with clinical ratings (Elble 2016, head
        tremor: r = 0.83-0.87 vs 0.71-0.75 for the accelerometer; PMC6174406).
    """

    prepare: PrepareParams = field(default_factory=PrepareParams)
    tremor: TremorParams = field(default_factory=TremorParams)
    non_wear: NonWearParams = field(default_factory=NonWearParams)
    prefer: str = "gyro"

    def __post_init__(self) -> None:
        if self.prefer not in ("gyro", "acc"):
            raise InvalidInputError("prefer", self.prefer, allowed=["gyro", "acc"])

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, recorded in every report."""
        data = asdict(self)
        for section in data.values():
            if isinstance(section, dict):
                for key, value in section.items():
                    if isinstance(value, tuple):
                        section[key] = list(value)
        return data

"""Movement smoothness: spectral arc length (SPARC) and log dimensionless jerk (LDLJ).

Both measures are dimensionless and negative; values closer to zero mean a less smooth
(more intermittent) movement. They apply to one discrete movement (a reach, a head turn),
not to hours of free-living data.

Input recommended by Balasubramanian et al. 2015 [2]_ (their Table 3):

* position data: SPARC of the speed profile, LDLJ of the jerk of position;
* accelerometer: SPARC of ``| ||a|| - g |`` and LDLJ of the derivative of acceleration
  (LDLJ-A, Melendez-Calderon et al. 2021 [3]_);
* gyroscope (head turns, as in cervical dystonia): SPARC of the angular-speed profile.

Reference values (checked in the tests): for the Gaussian speed profile
``exp(-5 t^2)``, ``t`` in [-1, 1) at 100 Hz, the authors' reference code gives
SPARC = -1.41403 and LDLJ = -5.81636; for a minimum-jerk profile
``v = 30 tau^2 (1 - tau)^2`` the LDLJ is analytically ``-ln(720 / 1.875^2) = -5.3220`` and
SPARC is -1.40 (computed here at 100 and 1000 Hz; the commonly quoted "about -1.4 to -1.6" for
smooth reaches could not be traced to one table [unverified]).

References
----------
.. [1] Balasubramanian S, Melendez-Calderon A, Burdet E. A robust and sensitive metric for
   quantifying movement smoothness. IEEE Trans Biomed Eng. 2012;59(8):2126-2136.
   doi:10.1109/TBME.2011.2179545
.. [2] Balasubramanian S, Melendez-Calderon A, Roby-Brami A, Burdet E. On the analysis of
   movement smoothness. J Neuroeng Rehabil. 2015;12:112. doi:10.1186/s12984-015-0090-9
.. [3] Melendez-Calderon A, Shirota C, Balasubramanian S. Estimating movement smoothness
   from inertial measurement units. Front Bioeng Biotechnol. 2021;8:558771.
   doi:10.3389/fbioe.2020.558771
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from dystonia.exceptions import InvalidInputError
from dystonia.validation import check_range

__all__ = ["ldlj", "sparc"]


def _profile(x: NDArray[Any], name: str) -> NDArray[np.float64]:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 2:
        a = np.linalg.norm(a, axis=1)
    if a.ndim != 1 or a.shape[0] < 4:
        raise InvalidInputError(
            name, None, reason=f"needs a 1-D profile of >= 4 samples, got {a.shape}"
        )
    if not np.all(np.isfinite(a)):
        raise InvalidInputError(name, None, reason="contains non-finite values")
    return a


def sparc(
    speed: NDArray[Any],
    fs_hz: float,
    *,
    pad_level: int = 4,
    cutoff_hz: float = 10.0,
    amplitude_threshold: float = 0.05,
) -> float:
    """Spectral arc length of a movement's speed profile (Balasubramanian 2012/2015).

    The magnitude spectrum of the zero-padded profile (FFT length ``2**(ceil(log2 n) +
    pad_level)``) is normalised to its maximum; it is kept up to ``cutoff_hz`` and then up to
    the last frequency where it is at least ``amplitude_threshold``; SPARC is minus the arc
    length of that curve with frequency normalised to the selected range.

    Parameters
    ----------
    speed : ndarray, shape (n,) or (n, k)
        Speed profile (a (n, k) array is reduced to its Euclidean norm per sample).
    fs_hz : float
        Sampling rate.
    pad_level : int
        Zero padding level (4, as in [2]_).
    cutoff_hz : float
        Maximal cut-off frequency (10 Hz, [2]_).
    amplitude_threshold : float
        Normalised-amplitude threshold for the adaptive cut-off (0.05, [2]_).

    Returns
    -------
    float
        SPARC (negative; about -1.4 to -1.6 for smooth bell-shaped profiles).
    """
    v = _profile(speed, "speed")
    fs = check_range("fs_hz", fs_hz, low=1e-3, high=1e6, unit="Hz")
    check_range("cutoff_hz", cutoff_hz, low=1e-3, high=fs / 2.0, unit="Hz")
    check_range("amplitude_threshold", amplitude_threshold, low=1e-6, high=1.0)
    if not isinstance(pad_level, int) or not 0 <= pad_level <= 8:
        raise InvalidInputError("pad_level", pad_level, allowed="integer 0-8")
    nfft = int(2 ** (int(np.ceil(np.log2(v.shape[0]))) + pad_level))
    mag = np.abs(np.fft.rfft(v, nfft))
    peak = mag.max()
    if peak <= 0:
        raise InvalidInputError("speed", None, reason="is zero everywhere")
    mag = mag / peak
    freqs = np.arange(mag.shape[0]) * fs / nfft
    keep = freqs <= cutoff_hz
    f_sel = freqs[keep]
    m_sel = mag[keep]
    above = np.flatnonzero(m_sel >= amplitude_threshold)
    f_sel = f_sel[above[0] : above[-1] + 1]
    m_sel = m_sel[above[0] : above[-1] + 1]
    if f_sel.shape[0] < 2:
        return 0.0
    df = np.diff(f_sel) / (f_sel[-1] - f_sel[0])
    dm = np.diff(m_sel)
    return float(-np.sum(np.sqrt(df * df + dm * dm)))


def ldlj(
    profile: NDArray[Any],
    fs_hz: float,
    *,
    kind: Literal["speed", "acceleration"] = "speed",
) -> float:
    """Log dimensionless jerk (Balasubramanian 2012 [1]_; LDLJ-A of [3]_ for accelerometers).

    ``kind="speed"``: ``-ln( T^3 / v_peak^2 * integral(|d^2 v/dt^2|^2 dt) )`` with ``T`` the
    movement duration and ``v_peak`` the peak speed.

    ``kind="acceleration"``: ``-ln( T / a_peak^2 * integral(|d a/dt|^2 dt) )`` with ``a`` the
    gravity-free acceleration (vector or magnitude) and ``a_peak`` its peak magnitude (LDLJ-A).

    Parameters
    ----------
    profile : ndarray, shape (n,) or (n, k)
        Speed, or acceleration (vector rows are differentiated per axis).
    fs_hz : float
        Sampling rate.
    kind : {"speed", "acceleration"}

    Returns
    -------
    float
        LDLJ (negative; about -5.3 for a 1-s minimum-jerk reach).
    """
    fs = check_range("fs_hz", fs_hz, low=1e-3, high=1e6, unit="Hz")
    a = np.asarray(profile, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] < 4 or not np.all(np.isfinite(a)):
        raise InvalidInputError(
            "profile", None, reason=f"needs >= 4 finite samples, got shape {a.shape}"
        )
    dt = 1.0 / fs
    duration = a.shape[0] * dt
    peak = float(np.max(np.linalg.norm(a, axis=1)))
    if peak <= 0:
        raise InvalidInputError("profile", None, reason="is zero everywhere")
    if kind == "speed":
        jerk = np.diff(a, n=2, axis=0) / dt**2
        scale = duration**3 / peak**2
    elif kind == "acceleration":
        jerk = np.diff(a, n=1, axis=0) / dt
        scale = duration / peak**2
    else:
        raise InvalidInputError("kind", kind, allowed=["speed", "acceleration"])
    integral = float(np.sum(jerk * jerk) * dt)
    if integral <= 0:
        raise InvalidInputError("profile", None, reason="has no jerk (constant or linear)")
    return float(-np.log(scale * integral))

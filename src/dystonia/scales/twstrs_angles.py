"""Measured head angles to TWSTRS severity item scores.

The original TWSTRS anchors state degree bands for two items (Consky and Lang 1994, as
transcribed on the rating form):

* rotation (turn, right or left): 0 = 0 deg; 1 = 1-22 deg (< 1/4 range); 2 = 23-45 deg
  (1/4-1/2); 3 = 46-67 deg (1/2-3/4); 4 = 68-90 deg (> 3/4 range);
* laterocollis (tilt, right or left, excluding shoulder elevation): 0 = 0 deg; 1 = 1-15 deg;
  2 = 16-35 deg; 3 = > 35 deg.

Anterocollis/retrocollis has no degree anchors: its published anchors are qualitative (mild
deviation; moderate, approximately half of the possible range; severe, chin approaching the chest
or approximately the full range). No degree-to-score helper is offered for it: any cut-off in
degrees would be invented, and the rater scores that item directly.

Conventions
-----------
Fractional degrees
    The published bands are whole degrees with gaps (22 | 23). The angle is first rounded to
    the nearest whole degree, halves rounding up, then looked up: 22.4 -> 22 -> score 1;
    22.5 -> 23 -> score 2; 0.4 -> 0 -> score 0; 0.5 -> 1 -> score 1.
Left and right
    The side does not change the score. Pass the magnitude of the deviation (its absolute
    value); a negative angle is refused rather than silently made positive, so that a mixed-up
    sign convention surfaces instead of being scored.
Range
    Angles must lie in 0-180 deg. Rotation beyond 90 deg is still "> 3/4 range" and scores 4;
    tilt beyond 35 deg scores 3.

References
----------
.. [1] Consky ES, Lang AE. Clinical assessments of patients with cervical dystonia. In: Jankovic
   J, Hallett M, eds. Therapy with Botulinum Toxin. New York: Marcel Dekker; 1994.
"""

from __future__ import annotations

import math

from dystonia.validation import check_range

__all__ = ["laterocollis_score", "rotation_score"]

_MAX_ANGLE_DEG = 180.0

# (lowest whole degree of the band, score), highest band first
_ROTATION_BANDS_DEG: tuple[tuple[int, int], ...] = ((68, 4), (46, 3), (23, 2), (1, 1), (0, 0))
_LATEROCOLLIS_BANDS_DEG: tuple[tuple[int, int], ...] = ((36, 3), (16, 2), (1, 1), (0, 0))


def _whole_degrees(field: str, angle_deg: float) -> int:
    value = check_range(field, angle_deg, low=0.0, high=_MAX_ANGLE_DEG, unit="deg")
    return math.floor(value + 0.5)


def _band(whole_deg: int, bands: tuple[tuple[int, int], ...]) -> int:
    for lowest_deg, item_score in bands:
        if whole_deg >= lowest_deg:
            return item_score
    raise AssertionError("unreachable: bands start at 0 deg")


def rotation_score(rotation_deg: float) -> int:
    """TWSTRS rotation item (0-4) from the measured head rotation.

    Parameters
    ----------
    rotation_deg : float
        Magnitude of head rotation (turn) from neutral, degrees, 0-180; side ignored.

    Returns
    -------
    int
        0 for 0 deg; 1 for 1-22; 2 for 23-45; 3 for 46-67; 4 for 68 deg and more, after
        rounding to whole degrees (halves up).

    Raises
    ------
    InvalidInputError
        Not a number, not finite, negative or above 180 deg.

    References
    ----------
    .. [1] Consky ES, Lang AE. Clinical assessments of patients with cervical dystonia. In:
       Therapy with Botulinum Toxin. Marcel Dekker; 1994.
    """
    return _band(_whole_degrees("rotation_deg", rotation_deg), _ROTATION_BANDS_DEG)


def laterocollis_score(laterocollis_deg: float) -> int:
    """TWSTRS laterocollis item (0-3) from the measured head tilt.

    Parameters
    ----------
    laterocollis_deg : float
        Magnitude of lateral head tilt from vertical, degrees, 0-180; side ignored. Measure the
        head itself: shoulder elevation is excluded from this item.

    Returns
    -------
    int
        0 for 0 deg; 1 for 1-15; 2 for 16-35; 3 above 35 deg, after rounding to whole degrees
        (halves up).

    Raises
    ------
    InvalidInputError
        Not a number, not finite, negative or above 180 deg.

    References
    ----------
    .. [1] Consky ES, Lang AE. Clinical assessments of patients with cervical dystonia. In:
       Therapy with Botulinum Toxin. Marcel Dekker; 1994.
    """
    return _band(_whole_degrees("laterocollis_deg", laterocollis_deg), _LATEROCOLLIS_BANDS_DEG)

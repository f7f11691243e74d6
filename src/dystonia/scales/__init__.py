"""Clinical rating scales for dystonia, scored exactly.

Every scale is defined as data (``definitions/<scale>.yaml``: items, ranges, steps, weights,
subscales, versions, source, licence status) and satisfies one protocol,
:class:`RatingScale`. Scoring is pure: it validates the ratings and returns a
:class:`ScaleResult`; it never clamps, prorates or imputes.

Shipped scales: ``bfmdrs_movement``, ``bfmdrs_disability``, ``twstrs`` (original TWSTRS, with the
0-87 variant as version ``brashear_1999``), ``tsui``, ``jrs``, ``bsdi``, ``gdrs``. Not shipped
(licence or unverifiable scoring): TWSTRS-2, UDRS, CDIP-58, Writer's Cramp Rating Scale; see
``docs/scales/not-shipped.md``.

Examples
--------
>>> from dystonia.scales import score
>>> result = score("jrs", {"severity": 3, "frequency": 2})
>>> result.to_dict()["total"], result.to_dict()["max"]
(5, 8)

API
---
get_scale, list_scales, score
    Registry: find a scale by name, list names, score in one call.
RatingScale, ScaleResult, Subscore
    The protocol and the result types.
rotation_score, laterocollis_score
    TWSTRS item scores from measured head angles (degrees).
"""

from dystonia.scales.base import RatingScale, ScaleResult, Subscore
from dystonia.scales.registry import get_scale, list_scales, score
from dystonia.scales.twstrs_angles import laterocollis_score, rotation_score

__all__ = [
    "RatingScale",
    "ScaleResult",
    "Subscore",
    "get_scale",
    "laterocollis_score",
    "list_scales",
    "rotation_score",
    "score",
]

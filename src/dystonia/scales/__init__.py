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

References
----------
.. [1] Burke RE, Fahn S, Marsden CD, et al. Validity and reliability of a rating scale for the
   primary torsion dystonias. Neurology. 1985;35(1):73-77. doi:10.1212/WNL.35.1.73
.. [2] Consky ES, Lang AE. Clinical assessments of patients with cervical dystonia. In: Jankovic
   J, Hallett M, eds. Therapy with Botulinum Toxin. Marcel Dekker; 1994.
.. [3] Brashear A, Lew MF, Dykstra DD, et al. Safety and efficacy of NeuroBloc (botulinum toxin
   type B) in type A-responsive cervical dystonia. Neurology. 1999;53(7):1439-1446.
   doi:10.1212/WNL.53.7.1439
.. [4] Tsui JK, Eisen A, Stoessl AJ, Calne S, Calne DB. Double-blind study of botulinum toxin in
   spasmodic torticollis. Lancet. 1986;2(8501):245-247. doi:10.1016/S0140-6736(86)92070-2
.. [5] Jankovic J, Orman J. Botulinum A toxin for cranial-cervical dystonia. Neurology.
   1987;37(4):616-623. doi:10.1212/WNL.37.4.616
.. [6] Jankovic J, et al. (JRS and BSDI metric properties). Mov Disord. 2009.
   doi:10.1002/mds.22368
.. [7] Comella CL, Leurgans S, Wuu J, Stebbins GT, Chmura T. Rating scales for dystonia: a
   multicenter assessment. Mov Disord. 2003;18(3):303-312. doi:10.1002/mds.10377
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

"""Clinical assessment: findings in, 2013-consensus classification with reasons out.

The public API is :func:`assess` (also ``dystonia.assess``), the input model
:class:`Findings` and the output model :class:`Assessment` (contracts/clinical.md).
Plain-language text for patients: :func:`patient_summary`; readable clinician report:
:func:`render_report`.
"""

from dystonia.clinical.assessment import DISCLAIMER, Assessment
from dystonia.clinical.engine import assess, onset_band
from dystonia.clinical.findings import Findings, parse_findings
from dystonia.clinical.options import AssessOptions

__all__ = [
    "DISCLAIMER",
    "AssessOptions",
    "Assessment",
    "Findings",
    "assess",
    "onset_band",
    "parse_findings",
]

"""Dystonia Workbench: classification, rating scales and objective measures for dystonia.

It supports clinical decisions; it does not replace a clinician's judgement.

Main entry points
-----------------
assess
    Findings in, 2013-consensus classification with reasons out (:mod:`dystonia.clinical`).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "assess"]


def assess(findings: Any, **kwargs: Any) -> Any:
    """Classify dystonia from findings; see :func:`dystonia.clinical.assess`."""
    from dystonia.clinical import assess as _assess

    return _assess(findings, **kwargs)

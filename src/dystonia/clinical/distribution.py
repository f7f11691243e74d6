"""Axis I body distribution (Albanese et al. 2013), with the region graph taken from data.

References
----------
.. [1] Albanese A, et al. Phenomenology and classification of dystonia: a consensus update.
   Mov Disord 2013;28:863-873. doi:10.1002/mds.25475
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from dystonia.knowledge import regions as region_table

__all__ = ["Distribution", "aggregate", "classify_distribution", "is_contiguous"]

Distribution = Literal["focal", "segmental", "multifocal", "generalized", "hemidystonia"]

# canonical display order of the aggregated regions
_ORDER = (
    "upper_face", "lower_face", "jaw_tongue", "larynx", "neck", "trunk",
    "left_arm", "right_arm", "left_leg", "right_leg",
)  # fmt: skip


def aggregate(words: Iterable[str]) -> tuple[str, ...]:
    """Aggregate region words to body regions (limb sub-regions to whole limbs).

    Returns the distinct aggregated regions in a fixed order.
    """
    table = region_table().regions
    found = {table[w].aggregate for w in words}
    return tuple(r for r in _ORDER if r in found)


def _group(region: str) -> str:
    return region_table().regions[region].group


def _side(region: str) -> str:
    return region_table().regions[region].side


def is_contiguous(regions: Iterable[str]) -> bool:
    """Whether aggregated regions form one contiguous group on the region graph."""
    nodes = list(regions)
    if len(nodes) <= 1:
        return True
    table = region_table()
    seen = {nodes[0]}
    frontier = [nodes[0]]
    while frontier:
        here = frontier.pop()
        for other in nodes:
            if other not in seen and table.groups_contiguous(_group(here), _group(other)):
                seen.add(other)
                frontier.append(other)
    return len(seen) == len(nodes)


def _hemidystonia(agg: tuple[str, ...], *, allows_axial: bool) -> str | None:
    """The side of a hemidystonia, or None."""
    allowed_midline = {"cranial", "neck"} if allows_axial else {"cranial"}
    for side in ("left", "right"):
        other = "right" if side == "left" else "left"
        if f"{side}_arm" not in agg or f"{side}_leg" not in agg:
            continue
        if any(_side(r) == other for r in agg):
            continue
        if all(_side(r) == side or _group(r) in allowed_midline for r in agg):
            return side
    return None


def classify_distribution(
    words: Iterable[str],
    *,
    convention: str = "connected",
    hemidystonia_allows_axial: bool = False,
) -> tuple[Distribution, str]:
    """Classify the body distribution of dystonia.

    Parameters
    ----------
    words : iterable of str
        Region words of the findings (validated).
    convention : {"connected", "literal_2013"}
        See :class:`dystonia.clinical.options.AssessOptions`.
    hemidystonia_allows_axial : bool
        Whether the neck may be involved in a hemidystonia.

    Returns
    -------
    distribution : str
        One of focal, segmental, multifocal, generalized, hemidystonia.
    rule_id : str
        The rule that decided (``distribution.<name>``).

    Notes
    -----
    Precedence (contracts/clinical.md): generalized, then hemidystonia, then segmental or
    multifocal, then focal.
    """
    agg = aggregate(words)
    if len(agg) == 1:
        return "focal", "distribution.focal"
    if "trunk" in agg and len(agg) >= 3:
        return "generalized", "distribution.generalized"
    if _hemidystonia(agg, allows_axial=hemidystonia_allows_axial) is not None:
        return "hemidystonia", "distribution.hemidystonia"
    if convention == "literal_2013" and len(agg) >= 3:
        return "multifocal", "distribution.multifocal"
    if is_contiguous(agg):
        return "segmental", "distribution.segmental"
    return "multifocal", "distribution.multifocal"

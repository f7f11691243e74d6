"""Property tests of the body-distribution rules (Albanese 2013 as fixed in the contract)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dystonia.clinical.distribution import aggregate, classify_distribution, is_contiguous
from dystonia.clinical.findings import REGIONS

regions = st.lists(st.sampled_from(REGIONS), min_size=1, max_size=10)


@given(regions)
@settings(max_examples=400, deadline=None)
def test_each_pattern_has_exactly_the_category_its_definition_gives(words: list[str]) -> None:
    dist, _ = classify_distribution(words)
    agg = aggregate(words)
    if len(agg) == 1:
        assert dist == "focal"
    elif "trunk" in agg and len(agg) >= 3:
        assert dist == "generalized"
    elif dist == "hemidystonia":
        sides = {r.split("_")[0] for r in agg if r.endswith(("_arm", "_leg"))}
        assert len(sides) == 1
        side = sides.pop()
        assert {f"{side}_arm", f"{side}_leg"} <= set(agg)
        assert "neck" not in agg and "trunk" not in agg
    else:
        assert dist == ("segmental" if is_contiguous(agg) else "multifocal")


@given(regions)
@settings(max_examples=300, deadline=None)
def test_order_and_duplicates_do_not_matter(words: list[str]) -> None:
    assert classify_distribution(words) == classify_distribution(list(reversed(words)) + words)


@given(regions, st.sampled_from(REGIONS))
@settings(max_examples=300, deadline=None)
def test_adding_the_trunk_to_two_regions_generalizes(words: list[str], extra: str) -> None:
    agg = set(aggregate([*words, extra]))
    if len(agg - {"trunk"}) >= 2:
        assert classify_distribution([*words, extra, "trunk"])[0] == "generalized"


@given(regions)
@settings(max_examples=300, deadline=None)
def test_subregions_equal_whole_limbs(words: list[str]) -> None:
    whole = [w.replace("_proximal", "").replace("_distal", "") for w in words]
    assert classify_distribution(words) == classify_distribution(whole)

"""Botulinum toxin sessions: the knowledge table, each warning rule against its source, the
boundaries, the never-convert policy and bad input per field.

Warning rules live in knowledge/botulinum.yaml (not rules.yaml); each test of a rule is tagged
``@covers("bont....")`` and ``test_every_botulinum_rule_has_a_test`` checks that every rule id has
one. ``docs/botulinum.md`` holds the tables rendered by :func:`render_tables` (checked below).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

import dystonia.clinical.botulinum as bont_module
from dystonia.clinical.botulinum import (
    DoseDifference,
    InjectionSession,
    ProductMismatchError,
    SessionWarning,
    ToxinDose,
    compare_doses,
    parse_session,
    product_of,
    session_warnings,
    validate_session,
)
from dystonia.exceptions import DystoniaError, InvalidInputError
from dystonia.knowledge import BotulinumTable, botulinum, sources

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "botulinum.md"
YAML = ROOT / "src" / "dystonia" / "knowledge" / "botulinum.yaml"
F = TypeVar("F", bound=Callable[..., Any])

ONA, ABO, INCO, RIMA, DAXI = (
    "onabotulinumtoxin_a",
    "abobotulinumtoxin_a",
    "incobotulinumtoxin_a",
    "rimabotulinumtoxin_b",
    "daxibotulinumtoxin_a",
)
PRODUCTS = (ONA, ABO, INCO, RIMA, DAXI)
DAY0 = dt.date(2024, 1, 1)


def covers(*rule_ids: str) -> Callable[[F], F]:
    """Tag a test with the botulinum warning rules it checks (see the meta test)."""

    def tag(test: F) -> F:
        return test

    return tag


def shot(
    muscle: str = "splenius_capitis", side: str = "left", units: float = 50, guidance: str = "emg"
) -> dict[str, Any]:
    return {"muscle": muscle, "side": side, "units": units, "guidance": guidance}


def session(
    product: str = ONA,
    day: dt.date | int = 0,
    injections: list[dict[str, Any]] | None = None,
    indication: str | None = "cervical_dystonia",
    dilution: float = 50,
) -> dict[str, Any]:
    date = DAY0 + dt.timedelta(days=day) if isinstance(day, int) else day
    return {
        "product": product,
        "date": date.isoformat(),
        "injections": injections
        if injections is not None
        else [shot(units=120), shot(side="right", units=120)],
        "dilution_units_per_ml": dilution,
        "indication": indication,
    }


def codes(warnings: list[SessionWarning]) -> list[str]:
    return [w.code for w in warnings]


def only(warnings: list[SessionWarning], code: str) -> SessionWarning:
    found = [w for w in warnings if w.code == code]
    assert len(found) == 1, codes(warnings)
    return found[0]


# ---------------------------------------------------------------------------------- meta
def test_every_botulinum_rule_has_a_test() -> None:
    text = Path(__file__).read_text(encoding="utf-8")
    tested = set(
        re.findall(r'"(bont\.[a-z0-9_]+)"', " ".join(re.findall(r"@covers\(([^)]*)\)", text)))
    )
    rules = {r.id for r in botulinum().rules}
    assert rules - tested == set(), f"botulinum rules without a test: {sorted(rules - tested)}"
    assert tested <= rules, f"tests cite unknown botulinum rules: {sorted(tested - rules)}"


def test_every_warning_code_the_module_emits_is_a_rule() -> None:
    text = (ROOT / "src" / "dystonia" / "clinical" / "botulinum.py").read_text(encoding="utf-8")
    emitted = set(re.findall(r'"(bont\.[a-z0-9_]+)"', text))
    assert emitted == {r.id for r in botulinum().rules}


# ---------------------------------------------------------------------------------- knowledge
def test_loader_products_identity() -> None:
    table = botulinum()
    assert table is botulinum()  # loaded once
    assert [p.id for p in table.products] == list(PRODUCTS)
    assert {p.id: p.serotype for p in table.products} == {
        ONA: "A",
        ABO: "A",
        INCO: "A",
        RIMA: "B",
        DAXI: "A",
    }
    assert {p.atc for p in table.products} == {"M03AX01"} == {table.atc}
    assert set(table.product("NeuroBloc").brand_names) == {"Myobloc", "NeuroBloc"}  # type: ignore[union-attr]
    for name, expected in [
        ("Botox", ONA),
        ("dysport", ABO),
        (" XEOMIN ", INCO),
        ("onabotulinumtoxinA", ONA),
        ("Daxxify", DAXI),
        (RIMA, RIMA),
    ]:
        assert table.product(name).id == expected  # type: ignore[union-attr]
    assert table.product("Botulax") is None  # a different product, never an alias of Botox
    assert product_of("myobloc").display == "rimabotulinumtoxinB (Myobloc/NeuroBloc)"


@pytest.mark.parametrize(
    ("product", "low", "high", "source", "verified"),
    [
        (ONA, 198, 300, "botox_pi", True),  # pivotal median 236 U, IQR 198-300
        (ABO, 250, 1000, "dysport_pi", True),  # subsequent 250-1,000 U
        (INCO, 120, 240, "xeomin_pi", True),  # initial 120 U; trial 120 vs 240 U
        (RIMA, 2500, 5000, "myobloc_pi", True),  # 2,500-5,000 U if toxin-experienced
        (DAXI, 125, 250, "daxxify_pi", True),  # 125-250 U
    ],
)
def test_loader_cervical_dystonia_ranges_as_the_research_gives(
    product: str, low: float, high: float, source: str, verified: bool
) -> None:
    dose_range = product_of(product).dose_range("cervical_dystonia")
    assert dose_range is not None
    assert (dose_range.low_units, dose_range.high_units) == (low, high)
    assert dose_range.sources == [source]
    assert dose_range.verified is verified


def test_loader_no_blepharospasm_total_range_is_invented() -> None:
    for product in botulinum().products:
        assert product.dose_range("blepharospasm") is None
    ona_bsp = product_of(ONA).dosing["blepharospasm"].notes[0].says
    assert (
        "1.25-2.5 U per injection site" in ona_bsp
        and "5 U per site" in ona_bsp
        and "200 U in 30 days" in ona_bsp
    )


@pytest.mark.parametrize(
    ("product", "verified"),
    [(ONA, False), (ABO, True), (INCO, True), (RIMA, False), (DAXI, False)],  # [M] = unverified
)
def test_loader_reinjection_interval_12_weeks_with_source(product: str, verified: bool) -> None:
    interval = product_of(product).reinjection
    assert interval.min_days == 84 == 12 * 7
    assert interval.sources and interval.verified is verified


def test_loader_units_policy_and_sources() -> None:
    table = botulinum()
    assert "not interchangeable" in table.units_policy.says
    assert "bont_labels" in table.units_policy.sources and table.units_policy.verified
    known = set(sources())
    assert not set(table.sources) & known  # botulinum sources never redefine sources.yaml
    assert table.cited_sources() <= known | set(table.sources)
    assert set(table.sources) <= table.cited_sources(), "a botulinum source is not cited"
    assert table.atc_sources == ["who_atc"]
    assert "Dysport" in table.source_text(["dysport_pi"]) and "EFNS" in table.source_text(
        ["efns2011"]
    )


def test_loader_never_holds_a_conversion_ratio() -> None:
    def keys(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [str(k) for k in node] + [k for v in node.values() for k in keys(v)]
        if isinstance(node, list):
            return [k for v in node for k in keys(v)]
        return []

    raw = yaml.safe_load(YAML.read_text(encoding="utf-8"))
    assert not [k for k in keys(raw) if "ratio" in k or "conver" in k or "equivalen" in k]
    assert not [n for n in dir(bont_module) if "convert" in n.lower() or "ratio" in n.lower()]


def test_loader_muscle_vocabulary() -> None:
    muscles = botulinum().muscles
    expected = {
        "sternocleidomastoid", "splenius_capitis", "trapezius", "levator_scapulae", "scalenes",
        "semispinalis_capitis", "longissimus_capitis", "orbicularis_oculi_pretarsal",
        "orbicularis_oculi_preseptal", "orbicularis_oculi_orbital", "procerus",
        "corrugator_supercilii", "platysma", "masseter", "temporalis", "lateral_pterygoid",
        "digastric", "genioglossus", "flexor_carpi_radialis", "flexor_carpi_ulnaris",
        "flexor_digitorum_superficialis", "flexor_digitorum_profundus", "flexor_pollicis_longus",
        "extensor_carpi_radialis", "extensor_indicis", "pronator_teres", "biceps_brachii",
        "thyroarytenoid",
    }  # fmt: skip
    assert expected <= set(muscles)
    assert muscles["procerus"].sides == ["midline"]
    assert muscles["sternocleidomastoid"].region == "neck"
    assert muscles["orbicularis_oculi_pretarsal"].region == "upper_face"
    assert muscles["thyroarytenoid"].region == "larynx"
    assert {w for w, m in muscles.items() if "endoscopy" in m.guidance} == {
        w for w, m in muscles.items() if m.region == "larynx"
    }
    assert all(m.guidance and m.sides for m in muscles.values())
    assert botulinum().muscles_note.verified is False  # the muscle list is domain knowledge


def test_loader_refuses_inconsistent_tables() -> None:
    raw = yaml.safe_load(YAML.read_text(encoding="utf-8"))
    raw["products"][0]["limits"][0]["muscles"] = ["sternocleidomastiod"]
    with pytest.raises(ValueError, match="unknown muscle"):
        BotulinumTable.model_validate(raw)
    raw = yaml.safe_load(YAML.read_text(encoding="utf-8"))
    raw["products"][1]["brand_names"] = ["Botox"]
    with pytest.raises(ValueError, match="used twice"):
        BotulinumTable.model_validate(raw)
    raw = yaml.safe_load(YAML.read_text(encoding="utf-8"))
    raw["products"][0]["dosing"]["cervical_dystonia"]["total_units"]["verified"] = "maybe"
    with pytest.raises(ValueError):
        BotulinumTable.model_validate(raw)


# ---------------------------------------------------------------------------------- interval
@covers("bont.reinjection_interval")
@pytest.mark.parametrize(
    ("days", "warned"), [(0, True), (60, True), (83, True), (84, False), (85, False), (200, False)]
)
def test_reinjection_interval_boundary(days: int, warned: bool) -> None:
    found = session_warnings(
        session(ABO, day=days, injections=[shot(units=500)]),
        [session(ABO, injections=[shot(units=400)])],  # not equal to the current session
    )
    assert ("bont.reinjection_interval" in codes(found)) is warned


@covers("bont.reinjection_interval")
def test_reinjection_interval_message_source_and_any_product() -> None:
    # previous session of another product still counts: the interval is about any BoNT
    found = session_warnings(session(ABO, day=83, injections=[shot(units=500)]), [session(ONA)])
    w = only(found, "bont.reinjection_interval")
    assert w.severity == "warning"
    assert "83 days (11.9 weeks)" in w.message and "84 days (12 weeks)" in w.message
    assert "2024-01-01" in w.message and "onabotulinumtoxinA (Botox)" in w.message
    assert w.source_ids == ("dysport_pi",) and "no sooner than 12 weeks" in w.source
    assert w.verified and not w.message.endswith("[unverified]")
    assert w.details["interval_days"] == 83 and w.details["min_interval_days"] == 84


@covers("bont.reinjection_interval")
def test_reinjection_interval_unverified_products_say_so() -> None:
    w = only(session_warnings(session(ONA, day=70), [session(ONA)]), "bont.reinjection_interval")
    assert not w.verified and w.message.endswith("[unverified]")
    assert w.source_ids == ("botox_pi",)


@covers("bont.reinjection_interval")
def test_reinjection_interval_uses_the_latest_earlier_session_only() -> None:
    history = [
        session(ONA, day=0),
        session(ONA, day=100),
        session(ONA, day=400),
    ]  # day 400 is later
    current = session(ONA, day=170)
    w = only(session_warnings(current, history), "bont.reinjection_interval")
    assert w.details["interval_days"] == 70  # day 170 minus day 100
    # the full history may be passed: the session itself is ignored
    assert "bont.reinjection_interval" not in codes(
        session_warnings(session(ONA, day=300), [session(ONA, day=100), session(ONA, day=300)])
    )
    assert codes(session_warnings(session(ONA, day=300))) == []


# ---------------------------------------------------------------------------------- switch
@covers("bont.product_switch")
def test_product_switch_against_the_last_session() -> None:
    found = session_warnings(session(ABO, day=120, injections=[shot(units=500)]), [session(ONA)])
    w = only(found, "bont.product_switch")
    assert w.severity == "warning"
    assert (
        "units are not interchangeable: do not compare or convert doses between "
        "abobotulinumtoxinA (Dysport) and onabotulinumtoxinA (Botox)"
    ) in w.message
    assert "bont_labels" in w.source_ids and w.verified
    assert w.details == {"previous_product": ONA, "previous_date": "2024-01-01"}


@covers("bont.product_switch")
def test_product_switch_only_when_the_last_session_differs() -> None:
    same = session_warnings(
        session(ONA, day=240), [session(ABO, injections=[shot(units=500)]), session(ONA, day=120)]
    )
    assert "bont.product_switch" not in codes(same)
    assert "bont.product_switch" not in codes(session_warnings(session(ONA)))


# ---------------------------------------------------------------------------------- total dose
def _cd_bounds() -> list[tuple[str, float, str | None]]:
    cases: list[tuple[str, float, str | None]] = []
    for product in botulinum().products:
        dose_range = product.dose_range("cervical_dystonia")
        assert dose_range is not None
        low, high = dose_range.low_units, dose_range.high_units
        cases += [
            (product.id, low, None),
            (product.id, high, None),
            (product.id, (low + high) / 2, None),
            (product.id, low - 1, "bont.total_dose_below_range"),
            (product.id, high + 0.5, "bont.total_dose_above_range"),
        ]
    return cases


@covers("bont.total_dose_above_range", "bont.total_dose_below_range")
@pytest.mark.parametrize(("product", "total", "code"), _cd_bounds())
def test_total_dose_range_boundaries_every_product(
    product: str, total: float, code: str | None
) -> None:
    found = session_warnings(session(product, injections=[shot(units=total)]))
    range_codes = [c for c in codes(found) if c.startswith("bont.total_dose")]
    assert range_codes == ([] if code is None else [code])


@covers("bont.total_dose_above_range")
def test_total_dose_above_range_message_cites_the_label() -> None:
    w = only(
        session_warnings(session(ONA, injections=[shot(units=200), shot(side="right", units=150)])),
        "bont.total_dose_above_range",
    )
    assert w.severity == "caution"
    assert (
        "Total 350 U of onabotulinumtoxinA (Botox) is above the usual range for cervical dystonia (198-300 U"
        in w.message
    )
    assert "median 236 U" in w.message and "236" in w.source and w.source_ids == ("botox_pi",)


@covers("bont.total_dose_below_range")
def test_total_dose_below_range_is_information() -> None:
    w = only(
        session_warnings(session(RIMA, injections=[shot(units=1000)])),
        "bont.total_dose_below_range",
    )
    assert w.severity == "info" and "2500-5000 U" in w.message and w.source_ids == ("myobloc_pi",)


@covers("bont.dose_range_unavailable")
@pytest.mark.parametrize(
    ("product", "indication", "fragment"),
    [
        (ONA, None, "No indication was given"),
        (
            ABO,
            "blepharospasm",
            "no usual total-dose range for abobotulinumtoxinA (Dysport) in blepharospasm",
        ),
        (DAXI, "limb_dystonia", "daxibotulinumtoxinA (Daxxify) in limb dystonia"),
    ],
)
def test_dose_range_unavailable_is_said_not_guessed(
    product: str, indication: str | None, fragment: str
) -> None:
    found = session_warnings(session(product, indication=indication, injections=[shot(units=40)]))
    w = only(found, "bont.dose_range_unavailable")
    assert w.severity == "info" and fragment in w.message and "never borrowed" in w.message
    assert not [c for c in codes(found) if c.startswith("bont.total_dose")]


# ---------------------------------------------------------------------------------- per site
def _eye(
    units: float, side: str = "left", muscle: str = "orbicularis_oculi_pretarsal"
) -> dict[str, Any]:
    return shot(muscle=muscle, side=side, units=units, guidance="none")


@covers("bont.site_dose_note")
@pytest.mark.parametrize(
    ("injections", "warned"),
    [
        ([shot("sternocleidomastoid", units=100)], False),  # at most 100 U: no warning
        (
            [shot("sternocleidomastoid", units=60), shot("sternocleidomastoid", "right", 41)],
            True,
        ),  # summed over sides
        ([shot("sternocleidomastoid", "bilateral", 101)], True),
        (
            [shot("sternocleidomastoid", units=100), shot(units=150)],
            False,
        ),  # other muscles do not count
    ],
)
def test_site_note_onabotulinumtoxin_a_sternocleidomastoid(
    injections: list[dict[str, Any]], warned: bool
) -> None:
    found = session_warnings(session(ONA, injections=injections))
    assert ("bont.site_dose_note" in codes(found)) is warned
    if warned:
        w = only(found, "bont.site_dose_note")
        assert (
            w.severity == "caution" and "sternocleidomastoid" in w.message and "100 U" in w.message
        )
        assert "dysphagia" in w.message and w.source_ids == ("botox_pi",)


@covers("bont.site_dose_note")
@pytest.mark.parametrize(
    ("injections", "warned"),
    [
        ([_eye(5), _eye(2.5, "right")], False),  # 5 U per site: not above
        ([_eye(5.5)], True),
        ([_eye(10, "bilateral")], False),  # a bilateral entry is two sites of 5 U
        ([_eye(12, "bilateral")], True),
        ([_eye(20, muscle="procerus", side="midline")], False),  # not a labelled per-site muscle
    ],
)
def test_site_note_onabotulinumtoxin_a_blepharospasm_5_units_per_site(
    injections: list[dict[str, Any]], warned: bool
) -> None:
    found = session_warnings(session(ONA, indication="blepharospasm", injections=injections))
    assert ("bont.site_dose_note" in codes(found)) is warned
    if warned:
        w = only(found, "bont.site_dose_note")
        assert "above 5 U per site" in w.message and "injections[0]" in w.message
        assert w.source_ids == ("botulax_bsp",) and w.verified


@covers("bont.site_dose_note")
@pytest.mark.parametrize(
    ("injections", "over"),
    [
        (
            [_eye(25), _eye(25, muscle="orbicularis_oculi_preseptal")],
            None,
        ),  # 50 U per eye: not above
        ([_eye(25), _eye(26, muscle="corrugator_supercilii")], "left 51 U"),
        ([_eye(60, "bilateral"), _eye(21, "right")], "right 51 U"),  # 30 + 21 on the right
        ([_eye(102, "bilateral")], "left 51 U, right 51 U"),
    ],
)
def test_site_note_incobotulinumtoxin_a_50_units_per_eye(
    injections: list[dict[str, Any]], over: str | None
) -> None:
    found = session_warnings(session(INCO, indication="blepharospasm", injections=injections))
    if over is None:
        assert "bont.site_dose_note" not in codes(found)
    else:
        w = only(found, "bont.site_dose_note")
        assert over in w.message and "50 U per eye" in w.message and w.source_ids == ("xeomin_pi",)


@covers("bont.site_dose_note")
def test_site_notes_follow_the_indication() -> None:
    big_scm = [shot("sternocleidomastoid", units=150)]
    assert "bont.site_dose_note" not in codes(
        session_warnings(session(ONA, indication="oromandibular_dystonia", injections=big_scm))
    )
    # no indication: every note applies (the conservative choice)
    assert "bont.site_dose_note" in codes(
        session_warnings(session(ONA, indication=None, injections=big_scm))
    )
    # notes belong to their product: 150 U Dysport into the SCM is not judged by the Botox note
    assert "bont.site_dose_note" not in codes(
        session_warnings(session(ABO, injections=[*big_scm, shot(units=200)]))
    )


# ---------------------------------------------------------------------------------- cumulative
@covers("bont.cumulative_dose_limit")
@pytest.mark.parametrize(
    ("previous", "warned"),
    [
        (
            [session(ONA, day=0, indication="blepharospasm", injections=[_eye(5)] * 22)],
            True,
        ),  # 110 + 100 U within 30 days
        (
            [session(ONA, day=0, indication="blepharospasm", injections=[_eye(5)] * 20)],
            False,
        ),  # 100 + 100 = 200 U: not above
        (
            [session(ONA, day=-1, indication="blepharospasm", injections=[_eye(5)] * 22)],
            False,
        ),  # exactly 30 days earlier: outside
        (
            [session(INCO, day=0, indication="blepharospasm", injections=[_eye(5)] * 22)],
            False,
        ),  # other product never summed
    ],
)
def test_cumulative_limit_onabotulinumtoxin_a_200_units_in_30_days(
    previous: list[dict[str, Any]], warned: bool
) -> None:
    current = session(ONA, day=29, indication="blepharospasm", injections=[_eye(5)] * 20)
    found = session_warnings(current, previous)
    assert ("bont.cumulative_dose_limit" in codes(found)) is warned
    if warned:
        w = only(found, "bont.cumulative_dose_limit")
        assert w.severity == "warning" and w.source_ids == ("botulax_bsp",)
        assert "210 U" in w.message and "within 30 days" in w.message and "200 U" in w.message
        assert "this session 100 U + 110 U on 2024-01-01" in w.message


# ---------------------------------------------------------------------------------- warning object
def test_warning_object_fields_and_json() -> None:
    found = session_warnings(session(ABO, day=10, injections=[shot(units=2000)]), [session(ONA)])
    assert codes(found) == [
        "bont.reinjection_interval",
        "bont.product_switch",
        "bont.total_dose_above_range",
    ]
    for w in found:
        d = w.to_dict()
        assert set(d) == {
            "code",
            "severity",
            "message",
            "source",
            "source_ids",
            "verified",
            "details",
        }
        assert d["severity"] in {"info", "caution", "warning"} and d["source"]
        json.dumps(d)


def test_warnings_accept_models_and_name_bad_earlier_sessions() -> None:
    current = parse_session(session(ONA, day=200))
    assert session_warnings(current, [parse_session(session(ONA))]) == session_warnings(
        session(ONA, day=200), [session(ONA)]
    )
    bad = session(ONA)
    bad["injections"] = [shot(muscle="trapezuis")]
    with pytest.raises(InvalidInputError) as info:
        session_warnings(current, [session(ONA), bad])
    assert info.value.field == "previous_sessions[1].injections[0].muscle"
    assert info.value.suggestion == "trapezius"


# ---------------------------------------------------------------------------------- doses
def test_compare_same_product_returns_the_difference() -> None:
    diff = compare_doses(ToxinDose("Botox", 240), ToxinDose(ONA, 200))
    assert diff == DoseDifference(ONA, 240.0, 200.0, 40.0, 20.0)
    assert str(diff) == "+40 U onabotulinumtoxinA (Botox) (240 vs 200 U, +20.0%)"
    assert compare_doses(ToxinDose(ONA, 10), ToxinDose(ONA, 0)).change_percent is None
    assert ToxinDose(ONA, 100) - ToxinDose(ONA, 150) == compare_doses(
        ToxinDose(ONA, 100), ToxinDose(ONA, 150)
    )
    sessions = compare_doses(
        parse_session(session(ONA)),
        parse_session(session(ONA, day=90, injections=[shot(units=200)])),
    )
    assert sessions.difference_units == 40


@pytest.mark.parametrize(("a", "b"), list(itertools.permutations(PRODUCTS, 2)))
def test_every_pair_of_products_is_refused(a: str, b: str) -> None:
    x, y = ToxinDose(a, 100), ToxinDose(b, 100)
    message = f"units are not interchangeable: do not compare or convert doses between {product_of(a).display} and {product_of(b).display}"
    with pytest.raises(ProductMismatchError) as info:
        compare_doses(x, y)
    assert str(info.value) == message
    assert (info.value.product_a, info.value.product_b) == (a, b)
    for operation in (
        lambda: x + y,
        lambda: x - y,
        lambda: x < y,
        lambda: x <= y,
        lambda: x > y,
        lambda: x >= y,
        lambda: sum([x, y]),
    ):
        with pytest.raises(ProductMismatchError):
            operation()
    assert x != y  # equal units of two products are not the same dose


def test_mixed_product_sessions_are_refused() -> None:
    with pytest.raises(ProductMismatchError, match="Botox.*Xeomin"):
        compare_doses(parse_session(session(ONA)), parse_session(session(INCO)))
    error = ProductMismatchError("Botox", "Dysport")
    assert isinstance(error, DystoniaError) and error.exit_code == 2
    assert error.as_dict()["code"] == "bont.product_switch"
    assert error.as_dict()["products"] == [ONA, ABO]


def test_dose_arithmetic_within_a_product() -> None:
    a = ToxinDose("xeomin", 60)
    assert a.product == INCO and a.product_info.generic_name == "incobotulinumtoxinA"
    assert a + a == ToxinDose(INCO, 120) == sum([a, a]) == 2 * a == a * 2
    assert a / 4 == ToxinDose(INCO, 15)
    assert a < ToxinDose(INCO, 61) and a <= a and a >= a and not a > a
    assert str(a) == "60 U incobotulinumtoxinA (Xeomin)"


@pytest.mark.parametrize(
    "operation",
    [
        lambda d: d + 5,
        lambda d: 5 + d,
        lambda d: d < 5,
        lambda d: d * True,
        lambda d: d * ToxinDose(ONA, 1),
        lambda d: compare_doses(d, 100),  # type: ignore[arg-type]
    ],
)
def test_bare_numbers_never_mix_with_doses(operation: Callable[[ToxinDose], Any]) -> None:
    with pytest.raises(TypeError):
        operation(ToxinDose(ONA, 100))


@pytest.mark.parametrize(
    ("product", "units", "field"),
    [
        ("Botx", 10, "product"),
        (ONA, -1, "units"),
        (ONA, math.nan, "units"),
        (ONA, math.inf, "units"),
        (ONA, True, "units"),
        (ONA, "10", "units"),
    ],
)
def test_dose_bad_input(product: str, units: Any, field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        ToxinDose(product, units)
    assert info.value.field == field
    with pytest.raises(InvalidInputError):
        ToxinDose(ONA, 10) * -1
    with pytest.raises(ZeroDivisionError):
        ToxinDose(ONA, 10) / 0


# ---------------------------------------------------------------------------------- input
def test_valid_session_and_its_helpers() -> None:
    s = validate_session(
        "Myobloc",
        date=dt.date(2024, 5, 2),
        indication="cervical_dystonia",
        dilution_units_per_ml=5000,
        injections=[
            shot("sternocleidomastoid", "left", 1500, "ultrasound"),
            shot("splenius_capitis", "right", 2000, "e_stim"),
            shot("sternocleidomastoid", "left", 500, "none"),
        ],
    )
    assert isinstance(s, InjectionSession) and s.product == RIMA and s.date == dt.date(2024, 5, 2)
    assert s.total_units == 4000 and s.total_dose == ToxinDose(RIMA, 4000)
    assert s.muscle_doses() == {
        "sternocleidomastoid": ToxinDose(RIMA, 2000),
        "splenius_capitis": ToxinDose(RIMA, 2000),
    }
    assert s.volumes_ml() == [0.3, 0.4, 0.1]
    assert parse_session(s) is s
    assert session_warnings(s) == []


def _with(**changes: Any) -> dict[str, Any]:
    data = session()
    for key, value in changes.items():
        if key.startswith("inj_"):
            data["injections"][0][key[4:]] = value
        elif value is ...:
            del data[key]
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        (_with(product="Botx"), "product", "did you mean 'Botox'"),
        (_with(product="letibotulinumtoxinA"), "product", "allowed: onabotulinumtoxin_a"),
        (_with(product=5), "product", "not allowed"),
        (_with(product=...), "product", "is required"),
        (_with(date="2024-13-01"), "date", "invalid"),
        (_with(date=...), "date", "is required"),
        (_with(injections=[]), "injections", "at least 1"),
        (_with(injections=...), "injections", "is required"),
        (
            _with(inj_muscle="sternocleidomastiod"),
            "injections[0].muscle",
            "did you mean 'sternocleidomastoid'",
        ),
        (_with(inj_muscle="splenius"), "injections[0].muscle", "allowed: sternocleidomastoid"),
        (_with(inj_side="both"), "injections[0].side", "allowed: left, right, bilateral, midline"),
        (
            _with(inj_side="midline"),
            "injections[0].side",
            "'midline' is not a side of splenius_capitis",
        ),
        (_with(inj_units=0), "injections[0].units", "out of range"),
        (_with(inj_units=-5), "injections[0].units", "out of range"),
        (_with(inj_units=math.nan), "injections[0].units", "out of range"),
        (_with(inj_units=True), "injections[0].units", "not a number"),
        (_with(inj_units="ten"), "injections[0].units", "invalid"),
        (
            _with(inj_guidance="mri"),
            "injections[0].guidance",
            "allowed: none, emg, ultrasound, e_stim, endoscopy",
        ),
        (
            _with(inj_guidance="endoscopy"),
            "injections[0].guidance",
            "not a guidance method for splenius_capitis",
        ),
        (_with(inj_depth_mm=10), "injections[0].depth_mm", "unknown field"),
        (_with(dilution_units_per_ml=0), "dilution_units_per_ml", "units per mL"),
        (_with(dilution_units_per_ml=False), "dilution_units_per_ml", "not a number"),
        (_with(dilution_units_per_ml=...), "dilution_units_per_ml", "is required"),
        (_with(indication="cervical"), "indication", "did you mean 'cervical_dystonia'"),
        (_with(dose_conversion=3), "dose_conversion", "unknown field"),
    ],
)
def test_bad_input_names_the_field(data: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_session(data)
    assert info.value.field == field
    assert fragment in str(info.value)


def test_bad_input_procerus_is_midline_and_larynx_accepts_endoscopy() -> None:
    with pytest.raises(InvalidInputError, match="not a side of procerus"):
        parse_session(session(injections=[shot("procerus", "left", 2.5, "none")]))
    ok = parse_session(
        session(
            indication="laryngeal_dystonia",
            injections=[shot("thyroarytenoid", "bilateral", 2, "endoscopy")],
        )
    )
    assert ok.injections[0].guidance == "endoscopy"
    with pytest.raises(InvalidInputError) as info:
        parse_session(["not", "a", "mapping"])  # type: ignore[arg-type]
    assert info.value.field == "(root)"


# ---------------------------------------------------------------------------------- docs
def _cell(values: list[str]) -> str:
    return ", ".join(values)


def _yes(verified: bool) -> str:
    return "yes" if verified else "**no** (unverified)"


def render_tables() -> list[str]:
    """The rows of docs/botulinum.md rendered from knowledge/botulinum.yaml."""
    table = botulinum()
    lines = ["| id | generic name | brand names | serotype | ATC |", "|---|---|---|---|---|"]
    lines += [
        f"| `{p.id}` | {p.generic_name} | {_cell(p.brand_names)} | {p.serotype} | {p.atc} |"
        for p in table.products
    ]
    lines += [
        "",
        "| product | indication | usual total per session | basis | sources | verified |",
        "|---|---|---|---|---|---|",
    ]
    for p in table.products:
        for indication, dosing in p.dosing.items():
            r = dosing.total_units
            if r is not None:
                lines.append(
                    f"| {p.generic_name} | {indication} | {r.low_units:g}-{r.high_units:g} U | {r.basis} | {_cell(r.sources)} | {_yes(r.verified)} |"
                )
            lines += [
                f"| {p.generic_name} | {indication} | (note) | {n.says} | {_cell(n.sources)} | {_yes(n.verified)} |"
                for n in dosing.notes
            ]
        lines += [
            f"| {p.generic_name} | any | (note) | {n.says} | {_cell(n.sources)} | {_yes(n.verified)} |"
            for n in p.notes
        ]
    lines += [
        "",
        "| product | note | indication | scope | muscles | above | sources | verified |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in table.products:
        for lim in p.limits:
            window = f" in {lim.window_days} days" if lim.window_days else ""
            lines.append(
                f"| {p.generic_name} | {lim.says} | {lim.indication or 'any'} | {lim.scope} | {_cell(lim.muscles)} | {lim.max_units:g} U{window} | {_cell(lim.sources)} | {_yes(lim.verified)} |"
            )
    lines += [
        "",
        "| product | minimum re-injection interval | label wording | sources | verified |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {p.generic_name} | {p.reinjection.min_days} days ({p.reinjection.min_days / 7:g} weeks) | {p.reinjection.says} | {_cell(p.reinjection.sources)} | {_yes(p.reinjection.verified)} |"
        for p in table.products
    ]
    lines += ["", "| rule (warning code) | severity | says | sources |", "|---|---|---|---|"]
    lines += [
        f"| `{r.id}` | {r.severity} | {' '.join(r.says.split())} | {_cell(r.sources)} |"
        for r in table.rules
    ]
    lines += ["", "| general note | sources | verified |", "|---|---|---|"]
    lines += [
        f"| {' '.join(n.says.split())} | {_cell(n.sources)} | {_yes(n.verified)} |"
        for n in (table.units_policy, *table.notes, table.muscles_note)
    ]
    lines += ["", "| muscle word | label | region | sides | guidance |", "|---|---|---|---|---|"]
    lines += [
        f"| `{w}` | {m.label} | {m.region} | {_cell(list(m.sides))} | {_cell(list(m.guidance))} |"
        for w, m in table.muscles.items()
    ]
    lines += ["", "| source key | citation |", "|---|---|"]
    lines += [
        f"| `{k}` | {v} |"
        for k, v in sorted({**sources(), **table.sources}.items())
        if k in table.cited_sources()
    ]
    return lines


def test_docs_hold_the_current_tables() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [line for line in render_tables() if line and line not in text]
    assert not missing, "docs/botulinum.md is stale; first missing row:\n" + missing[0]
    assert "never" in text and "not interchangeable" in text

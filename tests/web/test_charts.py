"""The SVG charts: well-formed, escaped, one shared time axis, honest about missing data."""

from __future__ import annotations

import datetime
import math
import re
import xml.etree.ElementTree as ET

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.web.charts import (
    EXPECTED_CYCLE_DAYS,
    DiaryPoint,
    ScorePoint,
    ToxinMark,
    sparkline_svg,
    trajectory_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
D0 = datetime.date(2024, 1, 1)
HOSTILE = "<script>alert(1)</script>"


def day(n: int) -> datetime.date:
    return D0 + datetime.timedelta(days=n)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def texts(root: ET.Element) -> str:
    return " ".join(e.text or "" for e in root.iter(f"{SVG}text"))


def twstrs(n: int, total: float) -> ScorePoint:
    return ScorePoint(day(n), "twstrs", total, 85.0, "TWSTRS total")


def ten_years() -> tuple[list[ScorePoint], list[ToxinMark], list[DiaryPoint]]:
    """About 40 visits, 40 toxin sessions (two products) and 3,650 diary days."""
    scores = [twstrs(91 * i, 20 + 10 * math.sin(i)) for i in range(40)]
    toxin = [
        ToxinMark(day(91 * i + 5), "onabotulinumtoxinA" if i < 20 else "abobotulinumtoxinA", 200)
        for i in range(40)
    ]
    diary = [
        DiaryPoint(day(i), 5 + 4 * math.sin(i / 13), 3 + 2 * math.cos(i / 9) if i % 4 else None)
        for i in range(3650)
    ]
    return scores, toxin, diary


# --- structure and accessibility -----------------------------------------------------------


def test_trajectory_is_well_formed_and_accessible() -> None:
    svg = trajectory_svg(
        scores=[twstrs(0, 40), twstrs(90, 30)],
        toxin=[ToxinMark(day(3), "onabotulinumtoxinA", 200)],
        diary=[DiaryPoint(day(i), 5, 3) for i in range(30)],
        title="Trajectory of A. Test",
    )
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Trajectory of A. Test"
    assert root.find(f"{SVG}title").text == "Trajectory of A. Test"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "TWSTRS total: 2 score(s); latest 30 of 85" in (desc.text or "")
    assert "1 botulinum toxin session(s)" in (desc.text or "")
    words = texts(root)
    assert "TWSTRS total" in words  # legend
    assert "onabotulinumtoxinA 200 U" in words  # session labelled with product and units
    assert "Rating scale: TWSTRS total (0–85)" in words  # y axis in the scale's own units
    assert "Patient diary, 0 none – 10 worst" in words
    assert "id=" not in svg  # no ids: many charts can share a page


def test_several_scales_share_a_percent_axis_and_a_scale_without_maximum_is_left_out() -> None:
    scores = [
        twstrs(0, 42.5),
        ScorePoint(day(0), "tsui", 10, 25, "Tsui score"),
        ScorePoint(day(30), "tsui", 5, 25, "Tsui score"),
        ScorePoint(day(10), "local", 7, None, "Local scale"),
    ]
    root = parse(trajectory_svg(scores=scores, toxin=[], diary=[]))
    words = texts(root)
    assert "Rating scales, % of each scale's maximum" in words
    assert "100%" in words and "50%" in words
    assert "TWSTRS total (of 85)" in words and "Tsui score (of 25)" in words
    assert "Not drawn, no maximum known: Local scale" in words
    points = by_class(root, "dw-score-point")
    assert len(points) == 3
    tips = [p.find(f"{SVG}title").text for p in points]  # type: ignore[union-attr]
    assert any("TWSTRS total 42.5 of 85 (50%)" in (t or "") for t in tips)
    # 50 % of TWSTRS and 40 % of Tsui on the same day: the TWSTRS point is higher
    same_day = {
        (p.find(f"{SVG}title").text or "").split(": ")[1].split(" ")[0]: float(p.get("cy", "nan"))  # type: ignore[union-attr]
        for p in points
        if p.get("data-day") == day(0).isoformat()
    }
    assert same_day["TWSTRS"] < same_day["Tsui"]


def test_single_scale_without_maximum_uses_its_own_values() -> None:
    root = parse(
        trajectory_svg(
            scores=[ScorePoint(day(0), "local", 7, None, "Local scale")], toxin=[], diary=[]
        )
    )
    assert "Rating scale: Local scale" in texts(root)
    assert len(by_class(root, "dw-score-point")) == 1


# --- escaping ------------------------------------------------------------------------------


def test_hostile_text_is_escaped_everywhere() -> None:
    svg = trajectory_svg(
        scores=[ScorePoint(day(0), HOSTILE, 3, 10, f"Scale {HOSTILE}")],
        toxin=[ToxinMark(day(1), f"Product {HOSTILE}", 100)],
        diary=[DiaryPoint(day(2), 4, None)],
        title=f'Title "{HOSTILE}" & more',
    )
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert root.get("aria-label") == f'Title "{HOSTILE}" & more'  # the parser undoes escaping
    tooltips = [e.text or "" for e in root.iter(f"{SVG}title")]
    assert any(f"Product {HOSTILE} 100 units" in t for t in tooltips)
    spark = sparkline_svg([1, 2], label=HOSTILE)
    assert "<script" not in spark
    assert parse(spark).get("aria-label", "").startswith(HOSTILE)


# --- one time axis for every panel ---------------------------------------------------------


def test_a_session_has_the_same_x_in_every_panel_and_in_the_data() -> None:
    d = 20
    root = parse(
        trajectory_svg(
            scores=[twstrs(0, 40), twstrs(d, 30), twstrs(200, 25)],
            toxin=[ToxinMark(day(d), "onabotulinumtoxinA", 200)],
            diary=[DiaryPoint(day(i), 5, 2) for i in range(0, 61, 2)],
        )
    )
    iso = day(d).isoformat()
    lines = [e for e in by_class(root, "dw-toxin-line") if e.get("data-day") == iso]
    assert len(lines) == 2  # the scores, the diary
    markers = [e for e in by_class(root, "dw-toxin-marker") if e.get("data-day") == iso]
    assert len(markers) == 1  # in the session lane above them
    xs = {float(e.get("x1", "nan")) for e in lines} | {float(e.get("x2", "nan")) for e in lines}
    bands = [e for e in by_class(root, "dw-toxin-band") if e.get("data-day") == iso]
    assert len(bands) == 2
    xs |= {float(e.get("x", "nan")) for e in bands}
    score = [e for e in by_class(root, "dw-score-point") if e.get("data-day") == iso]
    diary = [e for e in by_class(root, "dw-diary-point") if e.get("data-day") == iso]
    assert len(score) == 1 and len(diary) == 2  # severity and pain
    xs |= {float(e.get("cx", "nan")) for e in score + diary}
    assert len(xs) == 1, xs
    # the band is the expected cycle on the same scale as the data
    first = float(by_class(root, "dw-score-point")[0].get("cx", "nan"))
    px_per_day = (float(score[0].get("cx", "nan")) - first) / d
    for band in bands:
        assert float(band.get("width", "nan")) == pytest.approx(
            EXPECTED_CYCLE_DAYS * px_per_day, abs=0.2
        )


def test_dates_map_monotonically_and_bands_stop_at_the_next_session() -> None:
    toxin = [
        ToxinMark(day(0), "onabotulinumtoxinA", 200),
        ToxinMark(day(56), "onabotulinumtoxinA", 200),  # early: 8 weeks
        ToxinMark(day(56 + 84), "abobotulinumtoxinA", 500),
    ]
    scores = [twstrs(n, 30) for n in (5, 40, 90, 150, 200, 260)]
    root = parse(trajectory_svg(scores=scores, toxin=toxin, diary=[]))
    cx = [float(e.get("cx", "nan")) for e in by_class(root, "dw-score-point")]
    assert cx == sorted(cx) and len(set(cx)) == len(cx)
    first_band = by_class(root, "dw-toxin-band")[0]
    second_line = [
        e for e in by_class(root, "dw-toxin-line") if e.get("data-day") == day(56).isoformat()
    ]
    band_end = float(first_band.get("x", "nan")) + float(first_band.get("width", "nan"))
    assert band_end == pytest.approx(float(second_line[0].get("x1", "nan")), abs=0.11)
    # units are labelled per product, never summed
    words = texts(root)
    assert "abobotulinumtoxinA 500 U" in words
    assert "900" not in words and "400 U" not in words


def test_start_and_end_select_the_period() -> None:
    scores = [twstrs(n, 30) for n in range(0, 400, 30)]
    root = parse(trajectory_svg(scores=scores, toxin=[], diary=[], start=day(100), end=day(200)))
    points = by_class(root, "dw-score-point")
    assert {p.get("data-day") for p in points} == {day(n).isoformat() for n in (120, 150, 180)}
    with pytest.raises(InvalidInputError, match="start"):
        trajectory_svg(scores=scores, toxin=[], diary=[], start=day(200), end=day(100))


@pytest.mark.parametrize(
    ("span_days", "expected"),
    [(20, "Jan"), (365, "Jul"), (3650, "2030")],
)
def test_time_ticks_adapt_to_the_span(span_days: int, expected: str) -> None:
    scores = [twstrs(0, 10), twstrs(span_days, 20)]
    words = texts(parse(trajectory_svg(scores=scores, toxin=[], diary=[])))
    assert expected in words.split()
    if span_days == 20:
        assert re.search(r"\b\d{1,2} Jan\b", words)


# --- empty and long inputs -----------------------------------------------------------------


def test_no_data_gives_a_clear_drawing_not_an_error() -> None:
    root = parse(trajectory_svg(scores=[], toxin=[], diary=[]))
    assert "No data yet" in texts(root)
    assert root.get("role") == "img" and "No data yet" in (root.get("aria-label") or "")
    outside = trajectory_svg(scores=[twstrs(0, 1)], toxin=[], diary=[], start=day(10), end=day(20))
    assert "No data yet" in outside


def test_missing_kinds_of_data_are_said_in_their_panel() -> None:
    words = texts(parse(trajectory_svg(scores=[twstrs(0, 10)], toxin=[], diary=[])))
    assert "No diary entries in this period" in words
    words = texts(parse(trajectory_svg(scores=[], toxin=[], diary=[DiaryPoint(day(0), 3, None)])))
    assert "No scale scores in this period" in words


def test_ten_years_of_data_renders_compactly() -> None:
    scores, toxin, diary = ten_years()
    svg = trajectory_svg(scores=scores, toxin=toxin, diary=diary)
    root = parse(svg)
    assert len(by_class(root, "dw-score-point")) == 40
    assert len(by_class(root, "dw-toxin")) == 40
    assert len(by_class(root, "dw-toxin-band")) == 80  # two panels
    # long diary: 7-day means and one path of dots, not 3,650 elements
    assert by_class(root, "dw-diary-severity") and by_class(root, "dw-diary-pain")
    assert not by_class(root, "dw-diary-point")
    assert len(by_class(root, "dw-diary-days")) == 1
    assert sum(1 for _ in root.iter()) < 1000
    assert len(svg) < 200_000
    assert "7-day mean" in texts(root)
    years = [t for e in root.iter(f"{SVG}text") if re.fullmatch(r"20\d\d", t := e.text or "")]
    assert years == sorted(years) and len(years) >= 8
    # too many sessions for "product units" under each: the product once per run of sessions,
    # and the units of each session where they fit
    labels = [e.text or "" for e in by_class(root, "dw-toxin-label")]
    assert [t for t in labels if "botulinumtoxinA" in t] == [
        "onabotulinumtoxinA",
        "abobotulinumtoxinA",
    ]
    units = [t for t in labels if "botulinumtoxinA" not in t]
    assert units and set(units) == {"200 U"}


def test_rolling_mean_breaks_at_gaps_in_the_diary() -> None:
    diary = [DiaryPoint(day(i), 5, None) for i in range(200)]
    diary += [DiaryPoint(day(i), 5, None) for i in range(300, 500)]
    root = parse(trajectory_svg(scores=[], toxin=[], diary=diary))
    (line,) = by_class(root, "dw-diary-severity")
    assert line.get("d", "").count("M") == 2


def test_last_diary_entry_of_a_day_wins() -> None:
    diary = [DiaryPoint(day(0), 2, None), DiaryPoint(day(0), 8, None), DiaryPoint(day(1), 5, None)]
    root = parse(trajectory_svg(scores=[], toxin=[], diary=diary))
    tips = [(e.find(f"{SVG}title").text or "") for e in by_class(root, "dw-diary-point")]  # type: ignore[union-attr]
    assert len(tips) == 2 and "severity 8 of 10" in tips[0]


# --- bad input raises, nothing is clamped ----------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"diary": [DiaryPoint(D0, 11, None)]}, r"diary\[0\]\.severity_0_10"),
        ({"diary": [DiaryPoint(D0, 5, -1)]}, r"diary\[0\]\.pain_0_10"),
        ({"diary": [DiaryPoint(D0, math.nan, None)]}, r"diary\[0\]\.severity_0_10"),
        ({"scores": [ScorePoint(D0, "twstrs", 90, 85, "T")]}, r"scores\[0\]\.total"),
        ({"scores": [ScorePoint(D0, "twstrs", 9, 0, "T")]}, r"scores\[0\]\.maximum"),
        ({"toxin": [ToxinMark(D0, "x", 0)]}, r"toxin\[0\]\.total_units"),
    ],
)
def test_bad_values_raise(kwargs: dict[str, list[object]], field: str) -> None:
    args: dict[str, list[object]] = {"scores": [], "toxin": [], "diary": []}
    args.update(kwargs)
    with pytest.raises(InvalidInputError, match=field):
        trajectory_svg(**args)  # type: ignore[arg-type]


def test_width_is_checked_and_narrow_layout_works() -> None:
    with pytest.raises(InvalidInputError, match="width_px"):
        trajectory_svg(scores=[], toxin=[], diary=[], width_px=100)
    scores, toxin, diary = ten_years()
    root = parse(trajectory_svg(scores=scores, toxin=toxin, diary=diary, width_px=360))
    assert root.get("width") == "360"
    xs = [float(e.get("x1", "nan")) for e in by_class(root, "dw-toxin-line")]
    assert all(0 < x < 360 for x in xs)


# --- sparkline -----------------------------------------------------------------------------


def test_sparkline() -> None:
    root = parse(sparkline_svg([40, 33, 24, 26, 22], label="TWSTRS total", maximum=85))
    assert root.get("width") == "120" and root.get("height") == "24"
    assert root.get("aria-label") == "TWSTRS total: 5 value(s), from 40 to 22"
    assert len(list(root.iter(f"{SVG}path"))) == 1
    empty = parse(sparkline_svg([]))
    assert "no values yet" in (empty.get("aria-label") or "")
    one = parse(sparkline_svg([3.5, math.nan], width_px=60, height_px=16))
    assert one.get("aria-label") == "Trend: 1 value(s), 3.5"
    assert len(list(one.iter(f"{SVG}circle"))) == 1
    flat = parse(sparkline_svg([2, 2, 2]))
    (path,) = flat.iter(f"{SVG}path")
    assert len(set(re.findall(r"[ML][\d.]+ ([\d.]+)", path.get("d", "")))) == 1

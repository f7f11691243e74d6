"""The clinical summary PDF: its content read back with pypdf, its access rules, its commands.

The PDF is checked as a reader sees it (pypdf extracts the text of every page), against records
written through the real service on the test database.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pypdf import PdfReader
from tests._cli import run_cli as _run  # type: ignore[import-not-found]

from dystonia.records.service import SYSTEM
from dystonia.web import charts
from dystonia.web.report_pdf import DECISION_SUPPORT, summary_pdf

AT = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)
TEST_KEY = bytes(range(32))  # the audit key of the `records` fixture (tests/conftest.py)


def _pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _flat(pages: list[str]) -> str:
    return " ".join(" ".join(pages).split())


def _session(product: str, day: str, units: float, muscle: str = "splenius_capitis") -> dict:
    return {
        "product": product,
        "date": day,
        "dilution_units_per_ml": 50,
        "indication": "cervical_dystonia",
        "injections": [{"muscle": muscle, "side": "right", "units": units, "guidance": "emg"}],
    }


@pytest.fixture
def chart(records) -> tuple[Any, int]:  # type: ignore[no-untyped-def]
    """A patient with one of everything, two toxin products, and voided rows."""
    pid = records.create_patient(SYSTEM, "Pat Pdf (fictional)", birth_year=1975, sex="male")["id"]
    records.add_user(SYSTEM, "clin", "clinician password", "clinician")
    records.assign(SYSTEM, pid, "clin")
    who = records.sign_in("clin", "clinician password")[0].principal
    records.add_assessment(
        who, pid, {"age_at_onset": 45, "regions": ["neck"]}, assessed_on="2026-01-05"
    )
    items = {"severity": 3, "frequency": 2}
    records.add_scale(who, pid, "jrs", items, rated_on="2026-01-05")
    records.add_scale(who, pid, "jrs", {"severity": 1, "frequency": 1}, rated_on="2026-03-01")
    records.add_toxin_session(who, pid, _session("onabotulinumtoxin_a", "2026-01-05", 100))
    records.add_toxin_session(who, pid, _session("abobotulinumtoxin_a", "2026-04-20", 500))
    records.add_medication(who, pid, name="haloperidol", dose="1 mg at night")
    for k in range(10):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=k)
        records.add_diary(who, pid, day=day, severity_0_10=k % 10, pain_0_10=2)
    records.add_visit(who, pid, day="2026-01-05", note="first visit note")
    wrong = records.add_visit(who, pid, day="2026-01-06", note="entered by mistake")
    records.void(who, pid, "visit", wrong["id"], "wrong patient")
    return records, pid


def test_summary_holds_every_section_of_the_record(chart) -> None:  # type: ignore[no-untyped-def]
    records, pid = chart
    pages = _pages(summary_pdf(records.overview(SYSTEM, pid), generated_at=AT))
    text = _flat(pages)
    for expected in (
        "Clinical summary",
        "Pat Pdf (fictional)",
        f"Record #{pid} · born 1975 · sex male",
        "printed 2026-12-07 09:30 UTC",
        DECISION_SUPPORT,
        # the latest assessment with its rules and sources
        "Latest assessment, 2026-01-05",
        "Distribution focal",
        "[onset.band]",
        "Sources of the conclusions above",
        "[1] Albanese A, Bhatia K, Bressman SB",
        "ICD-10-CM G24.3",
        # scales, newest first
        "2026-03-01 JRS",
        # toxin: units named with their product, muscle by muscle
        "100 units of onabotulinumtoxinA (Botox)",
        "500 units of abobotulinumtoxinA (Dysport)",
        "splenius capitis (right): 100 units of onabotulinumtoxinA (Botox), EMG-guided",
        # medications with the dopamine-receptor blocker flag
        "haloperidol 1 mg at night",
        "Dopamine-receptor blocker: can cause acute or tardive dystonia.",
        # the diary in numbers
        "10 days with an entry, 2026-01-01 to 2026-01-10",
        "first visit note",
        "1 voided record(s) are not shown",
    ):
        assert expected in text, expected
    assert "entered by mistake" not in text  # voided
    assert "600" not in text  # units of two products are never summed
    assert pages[0].count(DECISION_SUPPORT) == 2  # header and footer
    for i, page in enumerate(pages, start=1):
        assert f"page {i} of {len(pages)}" in page
        assert DECISION_SUPPORT in page


def test_the_diary_numbers_are_computed_from_the_entries(chart) -> None:  # type: ignore[no-untyped-def]
    records, pid = chart
    text = _flat(_pages(summary_pdf(records.overview(SYSTEM, pid), generated_at=AT)))
    # severities 0..9 on 10 days: mean 4.5, range 0-9; pain 2 every day
    assert (
        "30 days up to the last entry: 10 entries, severity mean 4.5 (range 0-9), pain mean 2.0"
        in text
    )
    assert "Last entry 2026-01-10, 331 days before printing." in text


def test_same_record_same_bytes_and_the_time_of_printing_shows(chart) -> None:  # type: ignore[no-untyped-def]
    records, pid = chart
    ov = records.overview(SYSTEM, pid)
    a = summary_pdf(ov, generated_at=AT)
    assert summary_pdf(ov, generated_at=AT) == a
    later = summary_pdf(ov, generated_at=AT + dt.timedelta(hours=1))
    assert later != a and "printed 2026-12-07 10:30 UTC" in _flat(_pages(later))


def test_naive_time_of_printing_is_refused(chart) -> None:  # type: ignore[no-untyped-def]
    records, pid = chart
    with pytest.raises(ValueError, match="timezone"):
        summary_pdf(records.overview(SYSTEM, pid), generated_at=dt.datetime(2026, 1, 1))


def _overview(**parts: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "patient": {
            "id": 7,
            "display_name": "Empty (fictional)",
            "birth_year": None,
            "sex": None,
            "demo": True,
        },
        "clinicians": [],
        **{
            k: []
            for k in (
                "assessments",
                "scales",
                "toxin",
                "medications",
                "diary",
                "recordings",
                "visits",
            )
        },
    }
    base.update(parts)
    return base


def test_an_empty_record_says_what_is_missing() -> None:
    pages = _pages(summary_pdf(_overview(), generated_at=AT))
    text = _flat(pages)
    assert len(pages) == 1 and "page 1 of 1" in text
    for expected in (
        "Record #7 · born - · sex not recorded · fictional demo patient",
        "Clinicians: none assigned",
        "Nothing dated on file yet",
        "No assessment on file.",
        "No rating scale on file.",
        "No injection session on file.",
        "No medication on file.",
        "No diary entry on file.",
        "No recording on file.",
        "No visit on file.",
    ):
        assert expected in text, expected
    assert "voided" not in text


def _visit(k: int) -> dict[str, Any]:
    day = (dt.date(2020, 1, 1) + dt.timedelta(days=k)).isoformat()
    return {"date": day, "kind": "clinic", "note": f"note number {k:03d}", "voided": False}


def test_long_records_flow_over_pages_and_lose_no_line() -> None:
    visits = [_visit(k) for k in range(260)]
    pages = _pages(summary_pdf(_overview(visits=visits), generated_at=AT))
    assert len(pages) >= 4
    text = _flat(pages)
    for k in range(260):
        assert text.count(f"note number {k:03d}") == 1, k
    for i, page in enumerate(pages, start=1):
        assert f"page {i} of {len(pages)}" in page


def _diary(n_days: int) -> list[dict[str, Any]]:
    first = dt.date(2024, 1, 1)
    return [
        {
            "date": (first + dt.timedelta(days=k)).isoformat(),
            "severity_0_10": 5,
            "pain_0_10": None,
            "voided": False,
        }
        for k in range(n_days)
    ]


def _chart_text(pdf: bytes) -> str:
    """The text of page 1 above the first section after the chart (legend, axes)."""
    first = _flat(_pages(pdf)[:1])
    return first[: first.index("Assessment")]


def test_long_diaries_are_drawn_as_a_7_day_mean_short_ones_day_by_day() -> None:
    long_pdf = summary_pdf(_overview(diary=_diary(400)), generated_at=AT)
    short_pdf = summary_pdf(_overview(diary=_diary(30)), generated_at=AT)
    assert "severity, 7-day mean" in _chart_text(long_pdf)
    short_chart = _chart_text(short_pdf)
    assert "severity" in short_chart and "7-day mean" not in short_chart
    assert "pain not recorded" in _flat(_pages(long_pdf))


def test_a_scale_without_a_maximum_is_named_not_drawn_among_several() -> None:
    scales = [
        {"rated_on": "2026-01-01", "scale": "jrs", "total": 4, "max": 8, "voided": False},
        {"rated_on": "2026-02-01", "scale": "custom", "total": 12, "max": None, "voided": False},
    ]
    text = _flat(_pages(summary_pdf(_overview(scales=scales), generated_at=AT)))
    assert "Not drawn on the chart (no known maximum to put them on the % axis): CUSTOM" in text
    assert "2026-02-01 CUSTOM 12 -" in text  # listed all the same
    assert "% of scale maximum" in text


def test_trailing_mean_against_hand_computed_values() -> None:
    days = np.array([0, 1, 2, 3, 10, 11, 12], dtype=np.int64) + 738000
    values = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0])
    offsets, mean = charts.trailing_mean(days, values)
    # day 2: (1+2+3)/3; day 3: 10/4; days 4-6 hold 4 entries in their window; day 7: days 1-3
    # (3 entries); days 8-9: fewer than 3; day 10: days 4-10 hold 2; day 11: 2; day 12: 3
    assert offsets.tolist() == [2, 3, 4, 5, 6, 7, 12]
    assert mean.tolist() == pytest.approx([2.0, 2.5, 2.5, 2.5, 2.5, 3.0, 20.0])


# ------------------------------------------------------------------------------ web and API
def test_clinician_downloads_the_summary_and_the_export_is_audited(site) -> None:  # type: ignore[no-untyped-def]
    for url in (f"/patients/{site.own}/summary.pdf", f"/api/v1/patients/{site.own}/summary.pdf"):
        r = site.client("clin").get(url)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["cache-control"] == "no-store"
        disposition = r.headers["content-disposition"]
        assert disposition.startswith(f'attachment; filename="clinical-summary-{site.own}-')
        assert "Own" not in disposition  # the file name never carries the patient's name
        assert "Own Patient" in _flat(_pages(r.content))
    events = site.records.audit_events(SYSTEM, limit=20)
    exports = [e for e in events if e["action"] == "report.export"]
    assert len(exports) == 2 and {e["patient_id"] for e in exports} == {site.own}
    assert all(e["actor"] == "clin" and e["outcome"] == "ok" for e in exports)


def test_admin_may_export_any_patient(site) -> None:  # type: ignore[no-untyped-def]
    r = site.client("adm").get(f"/api/v1/patients/{site.other}/summary.pdf")
    assert r.status_code == 200 and "Other Patient" in _flat(_pages(r.content))


@pytest.mark.parametrize(
    ("user", "which", "status"),
    [
        ("clin", "other", 404),  # not assigned: the patient does not exist for them
        ("pat", "own", 403),  # patients see their record on the portal, not this export
        ("pat", "other", 404),
        (None, "own", 401),
    ],
)
def test_summary_refused_to_those_it_does_not_belong_to(site, user, which, status) -> None:  # type: ignore[no-untyped-def]
    pid = site.own if which == "own" else site.other
    r = site.client(user).get(f"/api/v1/patients/{pid}/summary.pdf")
    assert r.status_code == status
    assert not r.content.startswith(b"%PDF")


def test_patient_page_offers_the_pdf_to_clinicians_and_admins(site) -> None:  # type: ignore[no-untyped-def]
    link = f'href="/patients/{site.own}/summary.pdf"'
    assert link in site.client("clin").get(f"/patients/{site.own}").text
    assert link in site.client("adm").get(f"/patients/{site.own}").text


@pytest.mark.parametrize(
    ("user", "which", "status"),
    [("clin", "other", 404), ("pat", "own", 403), ("pat", "other", 404)],
)
def test_the_page_route_refuses_as_the_api_does(site, user, which, status) -> None:  # type: ignore[no-untyped-def]
    pid = site.own if which == "own" else site.other
    r = site.client(user).get(f"/patients/{pid}/summary.pdf")
    assert r.status_code == status and not r.content.startswith(b"%PDF")


# ------------------------------------------------------------------------------ command line


@pytest.fixture
def cli_env(chart, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    records, pid = chart
    url = records.db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DYSTONIA_DATABASE_URL", url)
    monkeypatch.setenv("DYSTONIA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DYSTONIA_AUDIT_KEY", TEST_KEY.hex())
    return records, pid


def test_cli_writes_the_summary(cli_env, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    records, pid = cli_env
    out = tmp_path / "summary.pdf"
    code, stdout, err = _run(["summary", str(pid), "--out", str(out)], capsys)
    assert code == 0, err
    assert stdout.startswith(f"wrote {out}: clinical summary of patient {pid}")
    assert "Pat Pdf (fictional)" in _flat(_pages(out.read_bytes()))
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert records.verify_audit().ok


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["summary", "{pid}", "--out", "{tmp}/no/such/folder/x.pdf"], "--out: no folder"),
        (["summary", "{pid}", "--out", "{tmp}"], "is a directory; give a file name"),
        (["summary", "999999", "--out", "{tmp}/x.pdf"], "patient not found"),
    ],
)
def test_cli_bad_input_exit_2_and_nothing_written(cli_env, capsys, tmp_path, args, message) -> None:  # type: ignore[no-untyped-def]
    records, pid = cli_env
    before = len(records.audit_events(SYSTEM, limit=1000))
    argv = [a.format(pid=pid, tmp=tmp_path) for a in args]
    code, _, err = _run(argv, capsys)
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()
    # a wrong path is refused before the record is read: no export in the audit log
    # (a missing patient is a denied read, audited as such)
    events = records.audit_events(SYSTEM, limit=1000)
    exports = [e for e in events[: len(events) - before] if e["action"] == "report.export"]
    if "999999" in args:
        assert [e["outcome"] for e in exports] == ["denied"]
    else:
        assert exports == []


def test_citations_are_listed_one_by_one_only_when_the_rule_book_agrees() -> None:
    from dystonia.knowledge import rulebook, sources
    from dystonia.web.report_pdf import _citations

    rule = rulebook().get("onset.band")
    assert len(rule.sources) >= 2
    expected = [sources()[k] for k in rule.sources]
    stored = "; ".join(expected)
    assert _citations("onset.band", stored) == expected
    # a source text written under another rule version stays whole, never re-attributed
    assert _citations("onset.band", "Older citation; p. 3") == ["Older citation; p. 3"]
    assert _citations("retired.rule", stored) == [stored]


def test_every_conclusion_points_to_a_listed_source(chart) -> None:  # type: ignore[no-untyped-def]
    import re

    records, pid = chart
    text = "\n".join(_pages(summary_pdf(records.overview(SYSTEM, pid), generated_at=AT)))
    # a conclusion ends with its references, "[3]" or "[9,10]" (on its last line when wrapped)
    ends = re.findall(r"\[([\d,]+)\]\s*$", text, flags=re.MULTILINE)
    cited = {int(n) for group in ends for n in group.split(",")}
    listed = {int(n) for n in re.findall(r"^\s*\[(\d+)\] ", text, flags=re.MULTILINE)}
    assert cited and cited == listed == set(range(1, max(listed) + 1))


def _fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"]["/Font"]
        names |= {str(f.get_object()["/BaseFont"]) for f in fonts.values()}
    return names


def test_text_beyond_winansi_keeps_every_character() -> None:
    """Latin-1 text is set in the PDF standard fonts; any other line in embedded DejaVu, so a
    name like Łukasz Żółć or a note in Greek is never replaced by question marks."""
    patient = {"id": 9, "display_name": "Łukasz Żółć", "birth_year": 1960, "sex": None,
               "demo": False}  # fmt: skip
    visits = [
        {"date": "2026-02-01", "kind": "clinic", "note": "δυστονία, réévaluée", "voided": False}
    ]
    pdf = summary_pdf(_overview(patient=patient, visits=visits), generated_at=AT)
    text = _flat(_pages(pdf))
    assert "Łukasz Żółć" in text and "δυστονία, réévaluée" in text
    assert "?" not in text  # nothing replaced
    fonts = _fonts(pdf)
    assert "/Helvetica" in fonts and any("DejaVu" in f for f in fonts)


def test_plain_latin_text_embeds_no_font_for_the_body() -> None:
    fonts = _fonts(summary_pdf(_overview(), generated_at=AT))
    assert {"/Helvetica", "/Helvetica-Bold"} <= fonts
    assert not any("DejaVu" in f for f in fonts)  # no chart, no other script: nothing embedded


def _session_warning_overview() -> dict[str, Any]:
    warning = {
        "code": "bont.reinjection_interval",
        "severity": "warning",
        "message": "Re-injection 46 days after the previous session, sooner than 12 weeks.",
        "source": "Dysport prescribing information",
        "source_ids": ["dysport_pi"],
        "verified": True,
        "details": {"days": 46},
    }
    toxin = [
        {"date": "2026-03-01", "product": "abobotulinumtoxin_a", "units_of": "abobotulinumtoxin_a",
         "total_units": 500, "dilution_units_per_ml": None, "indication": None, "injections": [],
         "warnings": [warning], "voided": False}
    ]  # fmt: skip
    return _overview(toxin=toxin)


def test_toxin_warnings_print_their_message_and_source() -> None:
    text = _flat(_pages(summary_pdf(_session_warning_overview(), generated_at=AT)))
    assert "Warning: Re-injection 46 days after the previous session, sooner than 12 weeks." in text
    assert "source: Dysport prescribing information" in text
    assert "{'code'" not in text and "source_ids" not in text


def test_free_text_is_printed_as_typed() -> None:
    """A dollar sign is not a formula, a line break is a new line, nothing overlaps."""
    visits = [
        {"date": "2026-02-01", "kind": "clinic", "note": "paid $5 and $10 today", "voided": False},
        {"date": "2026-02-02", "kind": "clinic", "note": "spent $x^$ on taxi", "voided": False},
        {"date": "2026-02-03", "kind": "clinic", "note": "first line\nsecond line\nthird",
         "voided": False},
    ]  # fmt: skip
    pages = _pages(summary_pdf(_overview(visits=visits), generated_at=AT))
    text = "\n".join(pages)
    assert "paid $5 and $10 today" in text and "spent $x^$ on taxi" in text
    lines = [" ".join(ln.split()) for ln in text.splitlines()]
    i = lines.index("2026-02-03 clinic: first line")
    assert lines[i + 1 : i + 3] == ["second line", "third"]


def test_wide_text_is_wrapped_inside_the_margins() -> None:
    from dystonia.web.report_pdf import _BODY, _MONO, _WIDTH_PT, _width_pt, _wrap

    for text, style in (("WIDE CAPITALS " * 40, _BODY), ("MW" * 300, _BODY), ("x" * 500, _MONO),
                        ("\u00c9TAT G\u00c9N\u00c9RAL " * 30, _BODY)):  # fmt: skip
        for indent in (0, 6):
            lines = _wrap(text, style, indent)
            assert "".join(ln.replace(" ", "") for ln in lines) == text.replace(" ", "")
            assert all(_width_pt(" " * indent + ln, style) <= _WIDTH_PT for ln in lines)


def test_long_names_stay_on_their_footer_line() -> None:
    patient = {"id": 3, "display_name": "Maximiliana " * 20, "birth_year": None, "sex": None,
               "demo": False}  # fmt: skip
    page = _pages(summary_pdf(_overview(patient=patient), generated_at=AT))[0]
    lines = [ln.strip() for ln in page.splitlines()]
    footer = [ln for ln in lines if "record #3 · page 1 of" in ln]
    assert len(footer) == 1 and "\u2026" in footer[0] and len(footer[0]) < 120
    assert DECISION_SUPPORT not in footer[0]  # on a line of its own
    assert lines.count(DECISION_SUPPORT) >= 1


def test_names_the_fonts_cannot_draw_are_flagged_and_never_logged() -> None:
    import warnings

    patient = {"id": 4, "display_name": "\u738b\u5c0f\u660e", "birth_year": None, "sex": None,
               "demo": False}  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        text = _flat(_pages(summary_pdf(_overview(patient=patient), generated_at=AT)))
    assert "identify the patient by record #4" in text
    assert not [w for w in caught if "Glyph" in str(w.message)]


def test_summaries_drawn_at_once_are_those_drawn_alone() -> None:
    """matplotlib's settings are process-wide: concurrent summaries must not mix them."""
    from concurrent.futures import ThreadPoolExecutor

    import matplotlib

    patient = {"id": 5, "display_name": "\u0141ukasz \u017b\u00f3\u0142\u0107",
               "birth_year": None, "sex": None, "demo": False}  # fmt: skip
    ov = _overview(patient=patient, diary=_diary(200), visits=[_visit(k) for k in range(40)])
    alone = summary_pdf(ov, generated_at=AT)
    before = dict(matplotlib.rcParams)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: summary_pdf(ov, generated_at=AT), range(8)))
    assert all(r == alone for r in results)
    assert dict(matplotlib.rcParams) == before
    assert "\u0141ukasz \u017b\u00f3\u0142\u0107" in _flat(_pages(alone))


def test_medications_say_what_is_not_recorded() -> None:
    meds = [
        {"name": "unknownium", "dose": None, "atc": None, "dopamine_blocker": "unknown",
         "start_date": None, "stop_date": None, "voided": False},
        {"name": "haloperidol", "dose": "1 mg", "atc": "N05AD01", "dopamine_blocker": "central",
         "start_date": "2025-01-01", "stop_date": "2025-06-01", "voided": False},
    ]  # fmt: skip
    text = _flat(_pages(summary_pdf(_overview(medications=meds), generated_at=AT)))
    assert "unknownium, start not recorded, no stop date recorded" in text
    assert "Not in the drug list: not checked for dopamine-receptor blockade." in text
    assert "haloperidol 1 mg [ATC N05AD01], from 2025-01-01, stopped 2025-06-01" in text
    assert "to now" not in text


def test_the_latest_of_two_assessments_on_one_day_is_the_later_entry(chart) -> None:  # type: ignore[no-untyped-def]
    records, pid = chart
    who = records.sign_in("clin", "clinician password")[0].principal
    records.add_assessment(who, pid, {"age_at_onset": 45, "regions": ["neck", "right_arm"]},
                           assessed_on="2026-01-05")  # fmt: skip
    text = _flat(_pages(summary_pdf(records.overview(SYSTEM, pid), generated_at=AT)))
    assert "Distribution segmental" in text


def test_a_heading_never_ends_a_page() -> None:
    from dystonia.web.report_pdf import _BODY, _H1, _Line, _paginate

    for n in range(50, 90):
        blocks = [_Line(f"line {k}", _BODY) for k in range(n)]
        blocks += [_Line("Heading", _H1), _Line("after", _BODY)]
        for page in _paginate(blocks):
            assert page[-1].text != "Heading"

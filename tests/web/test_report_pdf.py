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
        "Last 30 days to 2026-01-10: 10 entries, severity mean 4.5 (range 0-9), pain mean 2.0"
        in text
    )


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


def test_long_diaries_are_drawn_as_a_7_day_mean_short_ones_day_by_day() -> None:
    long_text = _flat(_pages(summary_pdf(_overview(diary=_diary(400)), generated_at=AT)))
    short_text = _flat(_pages(summary_pdf(_overview(diary=_diary(30)), generated_at=AT)))
    assert "severity, 7-day mean" in long_text
    assert "severity, 7-day mean" not in short_text and "severity" in short_text
    assert "pain not recorded" in long_text


def test_a_scale_without_a_maximum_is_named_not_drawn_among_several() -> None:
    scales = [
        {"rated_on": "2026-01-01", "scale": "jrs", "total": 4, "max": 8, "voided": False},
        {"rated_on": "2026-02-01", "scale": "custom", "total": 12, "max": None, "voided": False},
    ]
    text = _flat(_pages(summary_pdf(_overview(scales=scales), generated_at=AT)))
    assert "not drawn (no known maximum): CUSTOM" in text
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


def test_patient_page_offers_the_pdf_to_clinicians_only(site) -> None:  # type: ignore[no-untyped-def]
    page = site.client("clin").get(f"/patients/{site.own}").text
    assert f'href="/patients/{site.own}/summary.pdf"' in page
    portal = site.client("pat").get("/me").text
    assert "summary.pdf" not in portal


# ------------------------------------------------------------------------------ command line
def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from dystonia.cli import main

    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


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
    assert all(e["outcome"] == "denied" for e in exports)
    if "999999" not in args:
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

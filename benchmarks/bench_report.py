"""The clinical summary PDF: how long a patient's summary takes, against named baselines.

A patient with 1 and with 10 years of history (``seed_history``: a toxin session and a TWSTRS
every 12 weeks, ~365 diary days a year, one assessment, two medications) on a temporary SQLite
database. Timed in one process, interleaved, best and median of ``--repeat`` runs:

- ``overview``: :meth:`Records.overview`, the database read every view of the record pays;
- ``page chart``: the patient page's SVG trajectory (``chart_for``), the same data drawn for the
  screen;
- ``text in DejaVu``: the summary's own text (read back with pypdf, line by line), one text
  artist per line on as many A4 pages, no chart, in matplotlib's default font (DejaVu, laid
  out character by character through FreeType): what the summary cost before it set text in
  the PDF standard fonts;
- ``text, std fonts`` (the floor): the same text in the PDF standard fonts, as the summary sets
  it: the least any summary of that text can cost with matplotlib;
- ``summary_pdf``: the whole summary (layout, trajectory with matplotlib, every section).

Ratios printed: ``summary_pdf`` against the floor, against the DejaVu text and against the
overview read. No target is
set by an issue; a summary should cost about as long as a click (under a second for 10 years).

Usage: python benchmarks/bench_report.py [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dystonia.records.accounts import principal_of
from dystonia.records.db import Database
from dystonia.records.demo import seed_history
from dystonia.records.models import User
from dystonia.records.service import SYSTEM, Records
from dystonia.web.pages import chart_for
from dystonia.web.report_pdf import summary_pdf

AT = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def _text_pdf(pages: list[list[str]], *, standard_fonts: bool) -> bytes:
    """The same lines of text, one artist each on as many A4 pages, through matplotlib's PDF
    backend: in DejaVu (matplotlib's default, Type 3) or in the PDF standard fonts as the
    summary sets WinAnsi text (:class:`dystonia.web.report_pdf._CoreText`)."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from dystonia.web.report_pdf import _CoreText

    cls, family, weight = (
        (_CoreText, "Helvetica", "medium") if standard_fonts else (Text, "DejaVu Sans", "normal")
    )
    buf = io.BytesIO()
    with (
        matplotlib.rc_context({"pdf.fonttype": 3}),
        PdfPages(buf, metadata={"CreationDate": None}) as pdf,
    ):
        for lines in pages:
            fig = Figure(figsize=(8.27, 11.69))
            for i, line in enumerate(lines):
                fig.add_artist(
                    cls(0.05, 0.95 - i * 0.011, line, fontsize=8, family=family, weight=weight)
                )
            pdf.savefig(fig)
    return buf.getvalue()


def _time(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        db.migrate()
        records = Records(db, key=bytes(range(32)))
        records.add_user(SYSTEM, "bench.clin", "benchmark password 1", "clinician")
        with db.session() as s:
            clinician = s.query(User).filter_by(username="bench.clin").one()
            who = principal_of(clinician)
        patients = {}
        for years in (1, 10):
            pid = records.create_patient(SYSTEM, f"History {years} y (fictional)", birth_year=1975)[
                "id"
            ]
            records.assign(SYSTEM, pid, "bench.clin")
            seed_history(records, patient_id=pid, clinician_id=who.user_id, years=years)
            patients[years] = pid

        summary_pdf(records.overview(SYSTEM, patients[1]), generated_at=AT)  # warm imports
        print(f"{'history':>8} {'what':<18} {'best ms':>9} {'median ms':>10}  pages  bytes")
        for years, pid in patients.items():
            ov = records.overview(SYSTEM, pid)
            pdf = summary_pdf(ov, generated_at=AT)
            from pypdf import PdfReader  # test dependency; only for the page count

            text = [pg.extract_text().splitlines() for pg in PdfReader(io.BytesIO(pdf)).pages]
            n_pages = len(text)
            rows: dict[str, list[float]] = {
                k: [] for k in ("overview", "page chart", "dejavu", "floor", "pdf")
            }
            for _ in range(args.repeat):  # interleaved: a noisy moment hits every row alike
                rows["overview"] += _time(lambda pid=pid: records.overview(SYSTEM, pid), 1)
                rows["page chart"] += _time(
                    lambda ov=ov: chart_for(ov, title="t", width_px=1100), 1
                )
                rows["dejavu"] += _time(lambda text=text: _text_pdf(text, standard_fonts=False), 1)
                rows["floor"] += _time(lambda text=text: _text_pdf(text, standard_fonts=True), 1)
                rows["pdf"] += _time(lambda ov=ov: summary_pdf(ov, generated_at=AT), 1)
            names = {
                "overview": "overview (DB)",
                "page chart": "page chart (SVG)",
                "dejavu": "text in DejaVu",
                "floor": "text, std fonts",
                "pdf": "summary_pdf",
            }
            for key, label in names.items():
                best, med = min(rows[key]) * 1e3, statistics.median(rows[key]) * 1e3
                extra = f"  {n_pages:>5}  {len(pdf):,}" if key == "pdf" else ""
                print(f"{years:>6} y {label:<18} {best:>9.1f} {med:>10.1f}{extra}")
            best = {k: min(v) for k, v in rows.items()}
            print(
                f"{years:>6} y summary_pdf / text in standard fonts (floor): "
                f"{best['pdf'] / best['floor']:.2f}x; / text in DejaVu: "
                f"{best['pdf'] / best['dejavu']:.2f}x;"
                f" / overview read: {best['pdf'] / best['overview']:.1f}x;"
                f" per page {best['pdf'] / n_pages * 1e3:.0f} ms"
            )
        db.dispose()


if __name__ == "__main__":
    main()

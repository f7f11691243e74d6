"""A patient's record as a printable PDF: the clinical summary a clinician files or sends.

A pure function from the record's overview (:meth:`dystonia.records.service.Records.overview`)
to the bytes of an A4 PDF, drawn with matplotlib's PDF backend (no browser, nothing fetched):

1. a header naming the patient, the assigned clinicians and the time of printing, and the
   decision-support statement;
2. the trajectory on one time axis, as on the patient page (:mod:`dystonia.web.charts`):
   scale totals, botulinum toxin sessions with their expected 12-week cycle shaded, and the
   diary (severity and pain, 0-10; a trailing 7-day mean when long);
3. the latest assessment as :func:`dystonia.clinical.report.render_report` prints it: the
   classification, work-up, treatment options, codes, and every conclusion with its rule and
   source; earlier assessments in one line each;
4. the rating-scale results, the toxin sessions muscle by muscle (units always named with their
   product: units of different products are never summed, compared or converted), medications
   (dopamine-receptor blockers flagged), the diary in numbers, recordings and visits.

Voided records are left out and counted. Every page carries the patient, the page number and
the decision-support statement in its footer. The output is deterministic: the same overview
and time of printing give the same bytes (no creation date in the file), so a summary can be
checked by its hash.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib.text import Text

from dystonia.web import charts

if TYPE_CHECKING:
    from dystonia.records.policy import Principal
    from dystonia.records.service import Records

__all__ = ["DECISION_SUPPORT", "download_headers", "summary_file", "summary_pdf"]

DECISION_SUPPORT = (
    "This summary supports clinical decisions; it does not replace a clinician's judgement."
)

_PAGE_IN = (8.27, 11.69)  # A4 portrait
_MARGIN_PT = 43.0
_FOOTER_PT = 28.0
_WIDTH_PT = _PAGE_IN[0] * 72.0 - 2 * _MARGIN_PT
_CHART_PT = 300.0

_INK = "#0f172a"
_MUTED = "#475569"
_DANGER = "#b91c1c"
_SEVERITY = "#1d4ed8"
_PAIN = "#c2410c"
_SCALE_COLOURS = ("#0f766e", "#7c3aed", "#b45309", "#be185d", "#1d4ed8", "#15803d")
_TOXIN_COLOURS = ("#9d174d", "#4338ca", "#15803d", "#92400e", "#475569")
_RAW_DIARY_MAX_POINTS = 120


@dataclass(frozen=True)
class _Style:
    size_pt: float
    family: str = "DejaVu Sans"
    weight: str = "normal"
    colour: str = _INK
    before_pt: float = 0.0
    # characters per line: DejaVu Sans Mono is 0.602 em wide; DejaVu Sans averages ~0.55 em
    em_per_char: float = 0.56

    @property
    def line_pt(self) -> float:
        return self.size_pt * 1.32

    @property
    def chars(self) -> int:
        return int(_WIDTH_PT / (self.size_pt * self.em_per_char))


_TITLE = _Style(16.0, weight="bold")
_H1 = _Style(11.5, weight="bold", before_pt=10.0)
_BODY = _Style(8.8)
_MUTED_BODY = _Style(8.8, colour=_MUTED)
_WARN = _Style(8.8, colour=_DANGER)
_MONO = _Style(7.4, family="DejaVu Sans Mono", em_per_char=0.602)
_SMALL_BODY = _Style(7.6)
_FOOTER = _Style(6.5, colour=_MUTED)


@dataclass(frozen=True)
class _Line:
    text: str
    style: _Style


@dataclass(frozen=True)
class _Chart:
    height_pt: float


_Block = _Line | _Chart


# ------------------------------------------------------------------------------ content
def _day(value: str | None) -> str:
    return value or "date not recorded"


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def _num(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{float(value):g}"


class _Doc:
    """Blocks of text and the chart, in reading order; wrapped to the page width."""

    def __init__(self) -> None:
        self.blocks: list[_Block] = []

    def line(self, text: str, style: _Style = _BODY, *, indent: int = 0) -> None:
        pad = " " * indent
        wrapped = textwrap.wrap(
            text,
            width=max(20, style.chars - indent),
            subsequent_indent="    " if style is _MONO else "",
            break_long_words=True,
            replace_whitespace=False,
            drop_whitespace=True,
        ) or [""]
        for i, part in enumerate(wrapped):
            first = style if i == 0 else _Style(**{**style.__dict__, "before_pt": 0.0})
            self.blocks.append(_Line(pad + part, first))

    def mono(self, text: str) -> None:
        for raw in text.splitlines() or [""]:
            indent = len(raw) - len(raw.lstrip(" "))
            self.line(raw.strip(), _MONO, indent=indent)

    def heading(self, text: str) -> None:
        self.blocks.append(_Line(text, _H1))

    def chart(self) -> None:
        self.blocks.append(_Chart(_CHART_PT))


def _product(product_id: str) -> str:
    """A toxin product as clinicians read it (``onabotulinumtoxinA (Botox)``)."""
    from dystonia.knowledge import botulinum

    return botulinum().display_name(product_id)


def _live(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in rows if not r.get("voided")]


def _header(doc: _Doc, overview: Mapping[str, Any], generated_at: dt.datetime) -> None:
    p = overview["patient"]
    doc.blocks.append(_Line("Clinical summary", _TITLE))
    doc.line(str(p["display_name"]), _Style(12.0, weight="bold", before_pt=4.0))
    born = p.get("birth_year") or "-"
    sex = p.get("sex") or "not recorded"
    fictional = " · fictional demo patient" if p.get("demo") else ""
    doc.line(f"Record #{p['id']} · born {born} · sex {sex}{fictional}", _MUTED_BODY)
    clinicians = ", ".join(overview.get("clinicians") or []) or "none assigned"
    stamp = generated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    doc.line(f"Clinicians: {clinicians} · printed {stamp} by Dystonia Workbench", _MUTED_BODY)
    doc.line(DECISION_SUPPORT, _Style(8.8, weight="bold", before_pt=4.0))


def _citations(rule_id: str, source: str) -> list[str]:
    """The separate citations of a stored rationale's source text.

    The text is the rule's citations joined by "; " (citations hold semicolons of their own, so
    it is not split on them): when the current rule book gives the same text for the rule, its
    citations are listed one by one; otherwise (a rule changed or retired since) the stored text
    stays whole. Nothing is ever re-attributed.
    """
    from dystonia.knowledge import rulebook, sources

    try:
        keys = rulebook().get(rule_id).sources
    except KeyError:
        return [source]
    table = sources()
    parts = [table[key] for key in keys if key in table]
    return parts if "; ".join(parts) == source else [source]


def _assessments(doc: _Doc, overview: Mapping[str, Any]) -> None:
    from dystonia.clinical.assessment import Assessment
    from dystonia.clinical.report import render_report

    rows = _live(overview["assessments"])
    if not rows:
        doc.heading("Assessment")
        doc.line("No assessment on file.", _MUTED_BODY)
        return
    latest = rows[-1]  # the overview lists them by date
    assessment = Assessment.model_validate(latest["assessment"])
    doc.heading(f"Latest assessment, {latest['assessed_on']}")
    # the report as `dystonia assess` prints it, each conclusion pointing to a numbered source
    # (one list at the end: the same source backs many rules)
    numbers: dict[str, int] = {}
    refs = [
        ",".join(str(numbers.setdefault(c, len(numbers) + 1)) for c in _citations(r.rule, r.source))
        for r in assessment.rationale
    ]
    lines = render_report(assessment, with_sources=False).splitlines()
    k = 0
    for i, line in enumerate(lines):
        if k < len(refs) and line.startswith(f"  [{assessment.rationale[k].rule}] "):
            lines[i] = f"{line} [{refs[k]}]"
            k += 1
    doc.mono("\n".join(lines))
    doc.line("Sources of the conclusions above", _Style(8.8, weight="bold", before_pt=6.0))
    for source, n in numbers.items():
        doc.line(f"[{n}] {source}", _SMALL_BODY, indent=2)
    if len(rows) > 1:
        doc.line("Earlier assessments", _Style(8.8, weight="bold", before_pt=6.0))
        for a in reversed(rows[:-1]):
            res = a["assessment"]
            et = (res.get("etiology") or {}).get("category")
            forms = ", ".join(_words(f) for f in res.get("focal_forms") or [])
            parts = [_words(res.get("distribution", "")), forms]
            parts.append("isolated" if res.get("isolated") else "combined")
            parts.append(_words(et) if et else "")
            doc.line(f"{a['assessed_on']}  " + "; ".join(x for x in parts if x), indent=2)


def _scales(doc: _Doc, overview: Mapping[str, Any]) -> None:
    rows = _live(overview["scales"])
    doc.heading("Rating scales")
    if not rows:
        doc.line("No rating scale on file.", _MUTED_BODY)
        return
    doc.mono(f"{'date':<11} {'scale':<32} {'total':>8} {'of':>6}")
    for r in reversed(rows):
        name = str(r["scale"]).upper()
        if r.get("version"):
            name += f" ({r['version']})"
        doc.mono(f"{r['rated_on']:<11} {name:<32} {_num(r['total']):>8} {_num(r.get('max')):>6}")


def _toxin(doc: _Doc, overview: Mapping[str, Any]) -> None:
    rows = _live(overview["toxin"])
    doc.heading("Botulinum toxin sessions")
    if not rows:
        doc.line("No injection session on file.", _MUTED_BODY)
        return
    doc.line(
        "Units are those of the named product: units of different products are not "
        "interchangeable and are never summed, compared or converted here.",
        _MUTED_BODY,
    )
    for t in reversed(rows):
        dilution = (
            f", {_num(t['dilution_units_per_ml'])} U/mL"
            if t.get("dilution_units_per_ml") is not None
            else ""
        )
        indication = f", for {_words(t['indication'])}" if t.get("indication") else ""
        doc.line(
            f"{t['date']}  {_num(t['total_units'])} units of {_product(t['units_of'])}"
            f"{dilution}{indication}",
            _Style(8.8, weight="bold", before_pt=3.0),
        )
        for i in t.get("injections") or []:
            guidance = f", {str(i['guidance']).upper()}-guided" if i.get("guidance") else ""
            side = f" ({i['side']})" if i.get("side") else ""
            doc.mono(
                f"  {_words(i['muscle'])}{side}: {_num(i['units'])} units of "
                f"{_product(t['units_of'])}{guidance}"
            )
        for w in t.get("warnings") or []:
            doc.line(f"Warning: {w}", _WARN, indent=2)


def _medications(doc: _Doc, overview: Mapping[str, Any]) -> None:
    rows = _live(overview["medications"])
    doc.heading("Medications")
    if not rows:
        doc.line("No medication on file.", _MUTED_BODY)
        return
    for m in rows:
        period = f"{m.get('start_date') or '?'} to {m.get('stop_date') or 'now'}"
        dose = f" {m['dose']}" if m.get("dose") else ""
        atc = f" [ATC {m['atc']}]" if m.get("atc") else ""
        doc.line(f"{m['name']}{dose}{atc}, {period}", indent=2)
        if m.get("dopamine_blocker") == "central":
            doc.line(
                "Dopamine-receptor blocker: can cause acute or tardive dystonia.", _WARN, indent=6
            )
        elif m.get("dopamine_blocker") == "peripheral":
            doc.line("Peripheral D2 blocker (reviewed).", _MUTED_BODY, indent=6)


def _diary(doc: _Doc, diary: Sequence[charts.DiaryPoint]) -> None:
    doc.heading("Patient diary")
    if not diary:
        doc.line("No diary entry on file.", _MUTED_BODY)
        return
    sev = np.array([d.severity_0_10 for d in diary])
    pain = np.array([np.nan if d.pain_0_10 is None else d.pain_0_10 for d in diary])
    doc.line(
        f"{len(diary)} days with an entry, {diary[0].day.isoformat()} to "
        f"{diary[-1].day.isoformat()} (severity and pain, 0 none to 10 worst).",
        indent=2,
    )
    last = diary[-1].day
    for days in (30, 365):
        first = last - dt.timedelta(days=days - 1)
        keep = np.array([d.day >= first for d in diary])
        n = int(keep.sum())
        p = pain[keep]
        pain_text = (
            f", pain mean {np.nanmean(p):.1f}" if np.isfinite(p).any() else ", pain not recorded"
        )
        doc.line(
            f"Last {days} days to {last.isoformat()}: {n} entries, severity mean "
            f"{sev[keep].mean():.1f} (range {sev[keep].min():g}-{sev[keep].max():g}){pain_text}.",
            indent=2,
        )


def _recordings(doc: _Doc, overview: Mapping[str, Any]) -> None:
    rows = _live(overview["recordings"])
    doc.heading("Recordings")
    if not rows:
        doc.line("No recording on file.", _MUTED_BODY)
        return
    for r in rows:
        task = f", task {_words(r['task'])}" if r.get("task") else ""
        doc.line(
            f"{_day(r.get('recorded_on'))}  {r['filename']} ({r['format']}{task}); "
            f"sha256 {str(r['sha256'])[:12]}...",
            indent=2,
        )


def _visits(doc: _Doc, overview: Mapping[str, Any]) -> None:
    rows = _live(overview["visits"])
    doc.heading("Visits")
    if not rows:
        doc.line("No visit on file.", _MUTED_BODY)
        return
    for v in reversed(rows):
        note = f": {v['note']}" if v.get("note") else ""
        doc.line(f"{v['date']}  {_words(v['kind'])}{note}", indent=2)


def _voided(overview: Mapping[str, Any]) -> int:
    kinds = ("assessments", "scales", "toxin", "medications", "diary", "recordings", "visits")
    return sum(1 for k in kinds for r in overview[k] if r.get("voided"))


# ------------------------------------------------------------------------------ layout
_CORE_FAMILY = {"DejaVu Sans": "Helvetica", "DejaVu Sans Mono": "Courier"}


class _CoreText(Text):
    """Text set in a PDF standard font (Helvetica, Courier), which every PDF reader has.

    Written as one string with the font's AFM metrics: no font to embed and no per-character
    layout, about 9 times faster than the same text in DejaVu through FreeType. Only for text
    that WinAnsi (cp1252) can encode; :func:`_add_text` decides.
    """

    def draw(self, renderer: Any) -> None:
        with matplotlib.rc_context({"pdf.use14corefonts": True}):
            super().draw(renderer)


def _add_text(fig: Any, x: float, y: float, text: str, style: _Style, **kw: Any) -> None:
    """One line of text at figure coordinates ``(x, y)``: in a standard PDF font when WinAnsi
    can encode it, otherwise in DejaVu (embedded), so no character is ever replaced."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        fig.text(x, y, text, fontsize=style.size_pt, family=style.family, weight=style.weight,
                 color=style.colour, **kw)  # fmt: skip
        return
    weight = "bold" if style.weight == "bold" else "medium"  # the AFM regular weight's name
    fig.add_artist(
        _CoreText(
            x,
            y,
            text,
            fontsize=style.size_pt,
            family=_CORE_FAMILY[style.family],
            weight=weight,
            color=style.colour,
            **kw,
        )
    )


def _paginate(blocks: Sequence[_Block]) -> list[list[_Block]]:
    usable = _PAGE_IN[1] * 72.0 - 2 * _MARGIN_PT - _FOOTER_PT
    pages: list[list[_Block]] = [[]]
    used = 0.0
    for b in blocks:
        h = b.height_pt if isinstance(b, _Chart) else b.style.line_pt + b.style.before_pt
        if used + h > usable and pages[-1]:
            pages.append([])
            used = 0.0
            if isinstance(b, _Line) and b.style.before_pt:  # no gap at the top of a page
                b = _Line(b.text, _Style(**{**b.style.__dict__, "before_pt": 0.0}))
                h = b.style.line_pt
        pages[-1].append(b)
        used += h
    return pages


def _draw_trajectory(
    fig: Any,
    top_pt: float,
    scores: Sequence[charts.ScorePoint],
    toxin: Sequence[charts.ToxinMark],
    diary: Sequence[charts.DiaryPoint],
) -> None:
    """Scores over the diary on one time axis, toxin sessions through both."""
    import matplotlib.dates as mdates

    page_w, page_h = _PAGE_IN[0] * 72.0, _PAGE_IN[1] * 72.0
    left, width = (_MARGIN_PT + 34.0) / page_w, (_WIDTH_PT - 34.0) / page_w
    bottom_pt = top_pt - _CHART_PT
    ax_s = fig.add_axes((left, (bottom_pt + 150.0) / page_h, width, 118.0 / page_h))
    ax_d = fig.add_axes((left, (bottom_pt + 26.0) / page_h, width, 96.0 / page_h), sharex=ax_s)
    _add_text(
        fig,
        _MARGIN_PT / page_w,
        (top_pt - 4.0 - 0.8 * 8.8) / page_h,
        "Trajectory: scale totals, botulinum toxin sessions (expected 12-week cycle shaded) "
        "and the diary",
        _Style(8.8, weight="bold"),
        va="baseline",
    )
    days = [p.day for p in scores] + [t.day for t in toxin] + [d.day for d in diary]
    first, last = min(days), max(days)
    pad = dt.timedelta(days=max(3, (last - first).days // 40))
    ax_s.set_xlim(first - pad, last + pad)

    # scores: own axis for one scale, % of each maximum for several
    by_scale: dict[str, list[charts.ScorePoint]] = {}
    for p in scores:
        by_scale.setdefault(p.scale, []).append(p)
    percent = len(by_scale) > 1
    left_out = [s for s, pts in by_scale.items() if percent and any(p.maximum is None for p in pts)]
    for i, (scale, pts) in enumerate(sorted(by_scale.items())):
        if scale in left_out:
            continue
        ys = [p.total / p.maximum * 100.0 if percent and p.maximum else p.total for p in pts]
        ax_s.plot(
            [p.day for p in pts],
            ys,
            marker="o",
            markersize=3.5,
            linewidth=1.4,
            color=_SCALE_COLOURS[i % len(_SCALE_COLOURS)],
            label=pts[0].label,
        )
    if percent:
        ax_s.set_ylim(0, 100)
        ax_s.set_ylabel("% of scale maximum", fontsize=7)
    elif scores:
        maxima = [p.maximum for p in scores if p.maximum is not None]
        ax_s.set_ylim(0, max([*maxima, *(p.total for p in scores), 1.0]))
        ax_s.set_ylabel("score", fontsize=7)
    if not scores:
        ax_s.text(0.5, 0.5, "no rating scale on file", transform=ax_s.transAxes, ha="center",
                  va="center", fontsize=8, color=_MUTED)  # fmt: skip
    elif left_out:
        ax_s.set_title(
            "not drawn (no known maximum): " + ", ".join(s.upper() for s in left_out),
            fontsize=7,
            color=_MUTED,
            loc="right",
        )

    # toxin sessions through both panels, the expected cycle shaded up to the next session
    products = sorted({t.product for t in toxin})
    colour = {pr: _TOXIN_COLOURS[i % len(_TOXIN_COLOURS)] for i, pr in enumerate(products)}
    ordered = sorted(toxin, key=lambda t: t.day)
    for i, t in enumerate(ordered):
        end = t.day + dt.timedelta(days=charts.EXPECTED_CYCLE_DAYS)
        if i + 1 < len(ordered):
            end = min(end, ordered[i + 1].day)
        for ax in (ax_s, ax_d):
            ax.axvspan(t.day, end, color=colour[t.product], alpha=0.07, linewidth=0)
            ax.axvline(t.day, color=colour[t.product], linewidth=0.9)
    for pr in products:
        ax_s.plot([], [], color=colour[pr], linewidth=0.9, label=f"{_product(pr)} session")

    # diary: daily lines, or a trailing 7-day mean over faint daily dots
    if diary:
        ordinals = np.array([d.day.toordinal() for d in diary], dtype=np.int64)
        sev = np.array([d.severity_0_10 for d in diary])
        pain = np.array([np.nan if d.pain_0_10 is None else d.pain_0_10 for d in diary])
        has_pain = np.isfinite(pain)
        if len(diary) > _RAW_DIARY_MAX_POINTS:
            ax_d.plot([d.day for d in diary], sev, ".", markersize=1.2, color=_SEVERITY,
                      alpha=0.25)  # fmt: skip
            for values, days_, style, colour_, label in (
                (sev, ordinals, "-", _SEVERITY, "severity, 7-day mean"),
                (pain[has_pain], ordinals[has_pain], "--", _PAIN, "pain, 7-day mean"),
            ):
                offsets, mean = charts.trailing_mean(days_, values)
                if mean.size == 0:
                    continue
                full = np.full(int(days_[-1] - days_[0]) + 1, np.nan)
                full[offsets] = mean  # NaN breaks the line where the mean is not defined
                x = [dt.date.fromordinal(int(days_[0]) + k) for k in range(full.size)]
                ax_d.plot(x, full, style, color=colour_, linewidth=1.2, label=label)
        else:
            ax_d.plot([d.day for d in diary], sev, "-o", markersize=2.5, linewidth=1.2,
                      color=_SEVERITY, label="severity")  # fmt: skip
            if has_pain.any():
                ax_d.plot([d.day for d, h in zip(diary, has_pain, strict=True) if h],
                          pain[has_pain], "--", linewidth=1.2, color=_PAIN, label="pain")  # fmt: skip
    else:
        ax_d.text(0.5, 0.5, "no diary entry on file", transform=ax_d.transAxes, ha="center",
                  va="center", fontsize=8, color=_MUTED)  # fmt: skip
    ax_d.set_ylim(0, 10)
    ax_d.set_yticks([0, 5, 10])
    ax_d.set_ylabel("diary 0-10", fontsize=7)

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax_d.xaxis.set_major_locator(locator)
    ax_d.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    for ax in (ax_s, ax_d):
        ax.tick_params(labelsize=7, colors=_MUTED)
        ax.grid(axis="y", color="#e2e8f0", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        handles, _ = ax.get_legend_handles_labels()
        if handles:
            ax.legend(fontsize=6.5, loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False,
                      ncol=3, borderaxespad=0.2)  # fmt: skip
    ax_s.tick_params(labelbottom=False)


def _render(
    pages: Sequence[Sequence[_Block]],
    overview: Mapping[str, Any],
    series: tuple[
        Sequence[charts.ScorePoint], Sequence[charts.ToxinMark], Sequence[charts.DiaryPoint]
    ],
) -> bytes:
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    page_w, page_h = _PAGE_IN[0] * 72.0, _PAGE_IN[1] * 72.0
    p = overview["patient"]
    buf = io.BytesIO()
    # Type 3 fonts (matplotlib's default): subsets of DejaVu with glyph names, so the text
    # stays searchable and extractable; about half the time of TrueType (Type 42) embedding,
    # whose per-character kerning and font subsetting cost ~1 s per summary
    with (
        matplotlib.rc_context({"pdf.fonttype": 3, "font.family": "DejaVu Sans"}),
        PdfPages(
            buf,
            metadata={
                "Title": "Clinical summary",
                "Creator": "Dystonia Workbench",
                "CreationDate": None,  # deterministic bytes
            },
        ) as pdf,
    ):
        for number, blocks in enumerate(pages, start=1):
            fig = Figure(figsize=_PAGE_IN)
            y = page_h - _MARGIN_PT
            for b in blocks:
                if isinstance(b, _Chart):
                    _draw_trajectory(fig, y, *series)
                    y -= b.height_pt
                    continue
                y -= b.style.before_pt
                # on the baseline: a glyph-dependent "top" would make the spacing uneven
                base = y - 0.8 * b.style.size_pt
                _add_text(fig, _MARGIN_PT / page_w, base / page_h, b.text, b.style, va="baseline")
                y -= b.style.line_pt
            footer = f"{p['display_name']} · record #{p['id']} · page {number} of {len(pages)}"
            for x, text, ha in ((_MARGIN_PT, footer, "left"),
                                (page_w - _MARGIN_PT, DECISION_SUPPORT, "right")):  # fmt: skip
                _add_text(fig, x / page_w, (_MARGIN_PT - 8.0) / page_h, text, _FOOTER,
                          ha=ha, va="baseline")  # fmt: skip
            pdf.savefig(fig)
    return buf.getvalue()


def summary_pdf(overview: Mapping[str, Any], *, generated_at: dt.datetime) -> bytes:
    """A patient's record as an A4 PDF clinical summary.

    Parameters
    ----------
    overview : mapping
        Everything on file for the patient, as :meth:`Records.overview
        <dystonia.records.service.Records.overview>` returns it.
    generated_at : datetime.datetime
        Time of printing, shown in the header (timezone-aware; printed in UTC).

    Returns
    -------
    bytes
        The PDF document.

    Raises
    ------
    ValueError
        If ``generated_at`` has no timezone.
    """
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must be timezone-aware")
    series = charts.series_from_overview(overview)
    scores, toxin, diary = series
    doc = _Doc()
    _header(doc, overview, generated_at)
    if scores or toxin or diary:
        doc.chart()
    else:
        doc.heading("Trajectory")
        doc.line("Nothing dated on file yet: no scale, injection session or diary entry.",
                 _MUTED_BODY)  # fmt: skip
    _assessments(doc, overview)
    _scales(doc, overview)
    _toxin(doc, overview)
    _medications(doc, overview)
    _diary(doc, diary)
    _recordings(doc, overview)
    _visits(doc, overview)
    n_voided = _voided(overview)
    if n_voided:
        doc.line(
            f"{n_voided} voided record(s) are not shown (they stay in the record with their "
            "reason).",
            _Style(7.0, colour=_MUTED, before_pt=8.0),
        )
    return _render(_paginate(doc.blocks), overview, series)


def summary_file(
    records: Records, who: Principal, patient_id: int, *, now: dt.datetime | None = None
) -> tuple[str, bytes]:
    """The clinical summary of one patient as a file name and PDF bytes, for a download.

    The read is audited as ``report.export`` and refused (404/403) as
    :meth:`Records.report_overview <dystonia.records.service.Records.report_overview>` refuses
    it. The file name carries the record number and the day, never the patient's name.
    """
    overview = records.report_overview(who, patient_id)
    when = now or dt.datetime.now(dt.UTC)
    name = f"clinical-summary-{patient_id}-{when.astimezone(dt.UTC):%Y-%m-%d}.pdf"
    return name, summary_pdf(overview, generated_at=when)


def download_headers(name: str) -> dict[str, str]:
    """Headers of a summary download: an attachment, never cached (it holds patient data)."""
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}

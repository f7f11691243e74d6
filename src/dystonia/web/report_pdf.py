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
import functools
import io
import math
import textwrap
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib import ft2font
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
_LEGEND_ROW_PT = 10.0
_LEGEND_COLUMNS = 3

# the patient page's colours (dystonia.web.charts), so that a printed chart reads like the screen
_INK, _MUTED, _SEVERITY, _PAIN = charts._INK, charts._MUTED, charts._SEVERITY, charts._PAIN
_SCALE_COLOURS, _TOXIN_COLOURS = charts._SCALE_COLOURS, charts._TOXIN_COLOURS
_DANGER = "#b91c1c"
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
_SMALL_MUTED = _Style(7.6, colour=_MUTED)
_FOOTER = _Style(6.5, colour=_MUTED)


@dataclass(frozen=True)
class _Line:
    text: str
    style: _Style


@dataclass(frozen=True)
class _Chart:
    height_pt: float


_Block = _Line | _Chart

_RENDER_LOCK = threading.Lock()
_NO_HINTING = getattr(getattr(ft2font, "LoadFlags", None), "NO_HINTING", None) or getattr(
    ft2font, "LOAD_NO_HINTING", 2
)


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
        """Add ``text`` wrapped to the page width; its own line breaks start new lines."""
        pad = " " * indent
        first = True
        for paragraph in str(text).splitlines() or [""]:
            for part in _wrap(paragraph, style, indent):
                s = style if first else _Style(**{**style.__dict__, "before_pt": 0.0})
                self.blocks.append(_Line(pad + part, s))
                first = False

    def mono(self, text: str) -> None:
        for raw in text.splitlines() or [""]:
            indent = len(raw) - len(raw.lstrip(" "))
            self.line(raw.strip(), _MONO, indent=indent)

    def heading(self, text: str) -> None:
        self.blocks.append(_Line(text, _H1))

    def chart(self, legend_rows: int) -> None:
        """The trajectory, with room above its scores panel for ``legend_rows`` legend rows."""
        self.blocks.append(_Chart(_CHART_PT + _LEGEND_ROW_PT * max(0, legend_rows - 1)))


def _wrap(text: str, style: _Style, indent: int) -> list[str]:
    """``text`` in lines that fit the page width after ``indent`` spaces.

    A first cut by characters (:attr:`_Style.chars`), then every line measured with DejaVu's
    metrics (never narrower than Helvetica's or Courier's for the same text) and the cut made
    tighter until each fits: capitals and wide letters never run off the page.
    """
    chars = max(20, style.chars - indent)
    while True:
        lines = textwrap.wrap(
            text,
            width=chars,
            subsequent_indent="    " if style.family.endswith("Mono") else "",
            break_long_words=True,
            drop_whitespace=True,
        ) or [""]
        if chars <= 8 or all(_width_pt(" " * indent + ln, style) <= _WIDTH_PT for ln in lines):
            return lines
        chars = max(8, int(chars * 0.9))


def _width_pt(text: str, style: _Style) -> float:
    """Width of ``text`` set in ``style``, in points: the sum of DejaVu's advance widths (no
    kerning, so never less than the set width), each character looked up once."""
    return style.size_pt * sum(_advance_em(style.family, style.weight, c) for c in text)


@functools.cache
def _advance_em(family: str, weight: str, char: str) -> float:
    """Advance width of ``char`` in ``family``, in em; a character without a glyph, 1 em."""

    try:
        glyph = _ft_font(family, weight).load_char(ord(char), flags=_NO_HINTING)
    except RuntimeError:  # no glyph: drawn as a box at most 1 em wide
        return 1.0
    return float(glyph.linearHoriAdvance) / 65536.0 / 100.0  # 16.16 fixed point, at 100 pt


@functools.cache
def _ft_font(family: str, weight: str) -> Any:
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    font = FT2Font(findfont(FontProperties(family=family, weight=weight)))
    font.set_size(100.0, 72.0)  # 100 pt at 72 dpi: advances in hundredths of an em
    return font


@functools.cache
def _dejavu_chars() -> frozenset[int]:
    """Code points DejaVu Sans can draw."""
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(findfont(FontProperties(family="DejaVu Sans"))).get_charmap())


def _printable(text: str) -> bool:
    """Whether every character of ``text`` has a glyph in the fonts of the summary."""
    known = _dejavu_chars()
    return all(ord(c) in known or c.isspace() for c in text)


def _one_line(text: str, limit: int) -> str:
    """``text`` on one line (runs of whitespace as one space), cut to ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


def _product(product_id: str) -> str:
    """A toxin product as clinicians read it (``onabotulinumtoxinA (Botox)``)."""
    from dystonia.knowledge import botulinum

    return botulinum().display_name(product_id)


def _live(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in rows if not r.get("voided")]


def _header(doc: _Doc, overview: Mapping[str, Any], generated_at: dt.datetime) -> None:
    p = overview["patient"]
    doc.blocks.append(_Line("Clinical summary", _TITLE))
    doc.line(_one_line(p["display_name"], 200), _Style(12.0, weight="bold", before_pt=4.0))
    if not _printable(str(p["display_name"])):
        doc.line(
            "Some characters of this name have no glyph in the fonts of this summary and print "
            f"as empty boxes: identify the patient by record #{p['id']}.",
            _WARN,
        )
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
    rows = sorted(rows, key=lambda a: (a["assessed_on"], a["id"]))  # same day: the later entry
    latest = rows[-1]
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
            if isinstance(w, Mapping):
                severity = str(w.get("severity") or "warning").capitalize()
                doc.line(f"{severity}: {w.get('message', '')}", _WARN, indent=2)
                if w.get("source"):
                    doc.line(f"source: {w['source']}", _SMALL_MUTED, indent=6)
            else:
                doc.line(f"Warning: {w}", _WARN, indent=2)


def _medications(doc: _Doc, overview: Mapping[str, Any]) -> None:
    rows = _live(overview["medications"])
    doc.heading("Medications")
    if not rows:
        doc.line("No medication on file.", _MUTED_BODY)
        return
    for m in rows:
        start = f"from {m['start_date']}" if m.get("start_date") else "start not recorded"
        stop = f"stopped {m['stop_date']}" if m.get("stop_date") else "no stop date recorded"
        period = f"{start}, {stop}"
        dose = f" {m['dose']}" if m.get("dose") else ""
        atc = f" [ATC {m['atc']}]" if m.get("atc") else ""
        doc.line(f"{m['name']}{dose}{atc}, {period}", indent=2)
        if m.get("dopamine_blocker") == "central":
            doc.line(
                "Dopamine-receptor blocker: can cause acute or tardive dystonia.", _WARN, indent=6
            )
        elif m.get("dopamine_blocker") == "peripheral":
            doc.line("Peripheral D2 blocker (reviewed).", _MUTED_BODY, indent=6)
        elif m.get("dopamine_blocker") == "unknown":
            doc.line(
                "Not in the drug list: not checked for dopamine-receptor blockade.",
                _MUTED_BODY,
                indent=6,
            )


def _diary(doc: _Doc, diary: Sequence[charts.DiaryPoint], printed: dt.date) -> None:
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
    ago = (printed - last).days
    doc.line(
        f"Last entry {last.isoformat()}"
        + (
            f", {ago} day{'s' if ago != 1 else ''} before printing."
            if ago > 0
            else ", the day of printing."
        ),
        indent=2,
    )
    for days in (30, 365):
        first = last - dt.timedelta(days=days - 1)
        keep = np.array([d.day >= first for d in diary])
        n = int(keep.sum())
        p = pain[keep]
        pain_text = (
            f", pain mean {np.nanmean(p):.1f}" if np.isfinite(p).any() else ", pain not recorded"
        )
        doc.line(
            f"{days} days up to the last entry: {n} entries, severity mean "
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
    cls: type[Text]
    try:
        text.encode("cp1252")
        # the AFM regular weight of the standard fonts is called "medium"
        cls, family = _CoreText, _CORE_FAMILY[style.family]
        weight = "bold" if style.weight == "bold" else "medium"
    except UnicodeEncodeError:
        cls, family, weight = Text, style.family, style.weight
    fig.add_artist(
        cls(
            x,
            y,
            text,
            fontsize=style.size_pt,
            family=family,
            weight=weight,
            color=style.colour,
            parse_math=False,
            **kw,
        )
    )


def _height(b: _Block) -> float:
    return b.height_pt if isinstance(b, _Chart) else b.style.line_pt + b.style.before_pt


def _paginate(blocks: Sequence[_Block]) -> list[list[_Block]]:
    """Blocks page by page; a heading never ends a page (it goes over with the line after it)."""
    usable = _PAGE_IN[1] * 72.0 - 2 * _MARGIN_PT - _FOOTER_PT
    pages: list[list[_Block]] = [[]]
    used = 0.0
    for k, b in enumerate(blocks):
        h = _height(b)
        if isinstance(b, _Line) and b.style is _H1 and k + 1 < len(blocks):
            h += _height(blocks[k + 1])  # keep with the next block
        if used + h > usable and pages[-1]:
            pages.append([])
            used = 0.0
            if isinstance(b, _Line) and b.style.before_pt:  # no gap at the top of a page
                b = _Line(b.text, _Style(**{**b.style.__dict__, "before_pt": 0.0}))
        pages[-1].append(b)
        used += _height(b)
    return pages


def _score_lines(
    scores: Sequence[charts.ScorePoint],
) -> tuple[dict[str, list[charts.ScorePoint]], bool, list[str]]:
    """Scores by scale; whether they go on a % axis (several scales); the scales left out of
    it for want of a known maximum."""
    by_scale: dict[str, list[charts.ScorePoint]] = {}
    for p in scores:
        by_scale.setdefault(p.scale, []).append(p)
    percent = len(by_scale) > 1
    left_out = [s for s, pts in by_scale.items() if percent and any(p.maximum is None for p in pts)]
    return by_scale, percent, left_out


def _draw_trajectory(
    fig: Any,
    top_pt: float,
    height_pt: float,
    scores: Sequence[charts.ScorePoint],
    toxin: Sequence[charts.ToxinMark],
    diary: Sequence[charts.DiaryPoint],
) -> None:
    """Scores over the diary on one time axis, toxin sessions through both."""
    import matplotlib.dates as mdates

    page_w, page_h = _PAGE_IN[0] * 72.0, _PAGE_IN[1] * 72.0
    left, width = (_MARGIN_PT + 34.0) / page_w, (_WIDTH_PT - 34.0) / page_w
    bottom_pt = top_pt - height_pt
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
    by_scale, percent, left_out = _score_lines(scores)
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
                      ncol=_LEGEND_COLUMNS, borderaxespad=0.2)  # fmt: skip
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
                    _draw_trajectory(fig, y, b.height_pt, *series)
                    y -= b.height_pt
                    continue
                y -= b.style.before_pt
                # on the baseline: a glyph-dependent "top" would make the spacing uneven
                base = y - 0.8 * b.style.size_pt
                _add_text(fig, _MARGIN_PT / page_w, base / page_h, b.text, b.style, va="baseline")
                y -= b.style.line_pt
            name = _one_line(p["display_name"], 80)
            footer = f"{name} · record #{p['id']} · page {number} of {len(pages)}"
            for base, text in ((_MARGIN_PT - 8.0, footer), (_MARGIN_PT - 17.0, DECISION_SUPPORT)):
                _add_text(fig, _MARGIN_PT / page_w, base / page_h, text, _FOOTER, va="baseline")
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
    # matplotlib's settings are global to the process: one summary at a time; and a glyph
    # missing from the fonts is not logged (its warning names the character: patient data)
    with _RENDER_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        return _summary(overview, generated_at)


def _summary(overview: Mapping[str, Any], generated_at: dt.datetime) -> bytes:
    series = charts.series_from_overview(overview)
    scores, toxin, diary = series
    doc = _Doc()
    _header(doc, overview, generated_at)
    if scores or toxin or diary:
        by_scale, _, left_out = _score_lines(scores)
        entries = len(by_scale) - len(left_out) + len({t.product for t in toxin})
        doc.chart(legend_rows=math.ceil(entries / _LEGEND_COLUMNS))
        if left_out:
            doc.line(
                "Not drawn on the chart (no known maximum to put them on the % axis): "
                + ", ".join(s.upper() for s in left_out)
                + "; their scores are listed below.",
                _MUTED_BODY,
            )
    else:
        doc.heading("Trajectory")
        doc.line("Nothing dated on file yet: no scale, injection session or diary entry.",
                 _MUTED_BODY)  # fmt: skip
    _assessments(doc, overview)
    _scales(doc, overview)
    _toxin(doc, overview)
    _medications(doc, overview)
    _diary(doc, diary, generated_at.astimezone(dt.UTC).date())
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

    Parameters
    ----------
    records : Records
        The clinic's records.
    who : Principal
        Who asks: the read is audited as ``report.export`` and refused (404/403) as
        :meth:`Records.report_overview <dystonia.records.service.Records.report_overview>`
        refuses it.
    patient_id : int
        The patient.
    now : datetime.datetime, optional
        Time of printing (default: now, UTC).

    Returns
    -------
    name : str
        ``clinical-summary-{id}-{date}.pdf``: the record number and the day, never the name.
    pdf : bytes
        The document (:func:`summary_pdf`).
    """
    overview = records.report_overview(who, patient_id)
    when = now or dt.datetime.now(dt.UTC)
    name = f"clinical-summary-{patient_id}-{when.astimezone(dt.UTC):%Y-%m-%d}.pdf"
    return name, summary_pdf(overview, generated_at=when)


def download_headers(name: str) -> dict[str, str]:
    """Headers of a summary download: an attachment, never cached (it holds patient data).

    Parameters
    ----------
    name : str
        The file name offered to the browser.

    Returns
    -------
    dict of str to str
        ``Content-Disposition`` and ``Cache-Control``.
    """
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}

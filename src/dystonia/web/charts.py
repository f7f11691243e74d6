"""Server-side SVG charts: a patient's trajectory and the sparklines of the patient list.

Pure functions from plain data to an SVG string: no plotting library, no JavaScript, no ids (so
any number of charts can sit in one page), nothing but presentation attributes (so the pages keep
a strict Content-Security-Policy). Every piece of text is escaped.

The trajectory draws everything on **one time axis** so that the effect of botulinum toxin can be
read against the scores and the diary: each session is a vertical line through every panel, with
a shaded band for the expected cycle (12 weeks, cut short where the next session starts), labelled
with the product and its units. Units are product-specific; they are never summed or compared
across products.

- Top: rating-scale totals. With one scale the axis is the scale's own score (0 to its maximum);
  with several scales the axis is "% of each scale's maximum", and each point's tooltip gives the
  score in the scale's own units. A scale without a known maximum cannot be put on that axis; it
  is then left out and the panel says so.
- Bottom: the patient's diary, severity (solid) and pain (dashed), 0 (none) to 10 (worst). Long
  diaries are drawn as a trailing 7-day mean over faint dots for single days.

The 12-week cycle is the usual minimum interval between sessions in the product labels, and
the interval below which the clinic records warn; it is shaded as "expected effect", not as a
measured one.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dystonia.exceptions import InvalidInputError

__all__ = [
    "EXPECTED_CYCLE_DAYS",
    "DiaryPoint",
    "ScorePoint",
    "ToxinMark",
    "series_from_overview",
    "sparkline_svg",
    "trailing_mean",
    "trajectory_svg",
]

EXPECTED_CYCLE_DAYS = 84
"""Expected duration of one botulinum toxin cycle (12 weeks), shaded after each session."""

_ROLLING_DAYS = 7
_ROLLING_MIN_ENTRIES = 3
_RAW_DIARY_MAX_POINTS = 120
_RAW_DIARY_MIN_PX_PER_DAY = 3.0
_RAW_DIARY_MAX_GAP_DAYS = 3
_DASH = ' stroke-dasharray="6 4"'

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_INK = "#0f172a"
_MUTED = "#475569"
_FAINT = "#64748b"
_GRID = "#e2e8f0"
_AXIS = "#94a3b8"
_SCALE_COLOURS = ("#1d4ed8", "#7c3aed", "#0f766e", "#a16207", "#be123c", "#334155")
_SEVERITY = "#0e7490"
_PAIN = "#c2410c"
_TOXIN_COLOURS = ("#9d174d", "#4338ca", "#15803d", "#92400e", "#475569")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class ScorePoint:
    """One rating-scale total on one day.

    Attributes
    ----------
    day : datetime.date
        Day of the rating.
    scale : str
        Scale id (``"twstrs"``); one line per scale.
    total : float
        Total score, 0 to ``maximum``.
    maximum : float or None
        Largest total the scale (version) can take; None when unknown.
    label : str
        What the line is called in the legend (``"TWSTRS total"``).
    """

    day: datetime.date
    scale: str
    total: float
    maximum: float | None
    label: str


@dataclass(frozen=True)
class ToxinMark:
    """One botulinum toxin session.

    Attributes
    ----------
    day : datetime.date
        Day of the injections.
    product : str
        Product (``"onabotulinumtoxinA"``); its units are not those of any other product.
    total_units : float
        Units of that product injected in the session, all muscles together.
    """

    day: datetime.date
    product: str
    total_units: float


@dataclass(frozen=True)
class DiaryPoint:
    """One day of the patient's diary.

    Attributes
    ----------
    day : datetime.date
        Day of the entry.
    severity_0_10 : float
        Severity of the dystonia that day, 0 (none) to 10 (worst).
    pain_0_10 : float or None
        Pain that day, 0 to 10, or None when not recorded.
    """

    day: datetime.date
    severity_0_10: float
    pain_0_10: float | None


def series_from_overview(
    overview: Mapping[str, Any],
) -> tuple[list[ScorePoint], list[ToxinMark], list[DiaryPoint]]:
    """The points of a patient's trajectory, from the record's overview
    (:meth:`dystonia.records.service.Records.overview`).

    Voided records are left out; of several diary entries on one day the newest wins.

    Parameters
    ----------
    overview : mapping
        ``scales``, ``toxin`` and ``diary`` rows of the overview, each in date order (and in
        the order entered within a day).

    Returns
    -------
    scores, toxin, diary : lists of ScorePoint, ToxinMark, DiaryPoint
        In the overview's order (scores and sessions by date, the diary by day).
    """
    day_of = datetime.date.fromisoformat
    scores = [
        ScorePoint(
            day=day_of(r["rated_on"]),
            scale=r["scale"],
            total=float(r["total"]),
            maximum=float(r["max"]) if r.get("max") else None,
            label=f"{r['scale'].upper()} total",
        )
        for r in overview["scales"]
        if not r["voided"]
    ]
    toxin = [
        ToxinMark(day=day_of(t["date"]), product=t["product"], total_units=float(t["total_units"]))
        for t in overview["toxin"]
        if not t["voided"]
    ]
    latest: dict[str, Mapping[str, Any]] = {}
    for d in overview["diary"]:
        if not d["voided"]:
            latest[d["date"]] = d  # the newest entry of a day wins
    # ~3,650 points per 10 years: positional arguments (a frozen dataclass is ~2x slower with
    # keywords)
    diary = []
    for day in sorted(latest):  # already in order from the overview: a linear-time check
        d = latest[day]
        pain = d["pain_0_10"]
        diary.append(
            DiaryPoint(
                day_of(day), float(d["severity_0_10"]), None if pain is None else float(pain)
            )
        )
    return scores, toxin, diary


# ---------------------------------------------------------------------------------------------
# small helpers


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _c(value: float) -> str:
    """A coordinate with one decimal, without a trailing ``.0``."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _num(value: float) -> str:
    """A score or dose as people write it: ``32``, ``31.5``, ``12.25``."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _day(day: datetime.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _text_width(text: str, size_px: float) -> float:
    """Generous width of ``text`` in a sans-serif font (no font metrics on the server)."""
    return len(text) * size_px * 0.6


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_outside(values: NDArray[np.float64], low: float, high: float) -> int | None:
    """Index of the first value that is not finite or not within [low, high] (NaN is allowed)."""
    bad = (values < low) | (values > high) | np.isinf(values)
    return int(np.argmax(bad)) if bad.any() else None


def _validate(
    scores: Sequence[ScorePoint],
    toxin: Sequence[ToxinMark],
    severity: NDArray[np.float64],
    pain: NDArray[np.float64],
) -> None:
    """Raise on values that cannot be drawn honestly (nothing is clamped)."""
    for i, s in enumerate(scores):
        if s.maximum is not None and not (math.isfinite(s.maximum) and s.maximum > 0):
            raise InvalidInputError(f"scores[{i}].maximum", s.maximum, allowed="a number > 0")
        high = s.maximum if s.maximum is not None else math.inf
        if not (math.isfinite(s.total) and 0 <= s.total <= high):
            raise InvalidInputError(f"scores[{i}].total", s.total, allowed=f"0-{_num(high)}")
    for i, t in enumerate(toxin):
        if not (math.isfinite(t.total_units) and t.total_units > 0):
            raise InvalidInputError(f"toxin[{i}].total_units", t.total_units, allowed="> 0")
    i_bad = _first_outside(severity, 0.0, 10.0)
    if i_bad is None and np.isnan(severity).any():
        i_bad = int(np.argmax(np.isnan(severity)))
    if i_bad is not None:
        raise InvalidInputError(f"diary[{i_bad}].severity_0_10", severity[i_bad], allowed="0-10")
    i_bad = _first_outside(pain, 0.0, 10.0)  # NaN stands for "not recorded"
    if i_bad is not None:
        raise InvalidInputError(f"diary[{i_bad}].pain_0_10", pain[i_bad], allowed="0-10")


# ---------------------------------------------------------------------------------------------
# time axis


@dataclass(frozen=True)
class _TimeAxis:
    """Linear map from day ordinals to x pixels."""

    first: float
    last: float
    x0: float
    x1: float

    @property
    def px_per_day(self) -> float:
        return (self.x1 - self.x0) / (self.last - self.first)

    def x(self, day: datetime.date) -> float:
        return self.x0 + (day.toordinal() - self.first) * self.px_per_day


_TickStep = tuple[str, int]
_TICK_STEPS: tuple[tuple[_TickStep, float], ...] = (
    (("day", 1), 1.0),
    (("day", 2), 2.0),
    (("week", 1), 7.0),
    (("week", 2), 14.0),
    (("month", 1), 30.4),
    (("month", 2), 60.9),
    (("month", 3), 91.3),
    (("month", 6), 182.6),
    (("year", 1), 365.25),
    (("year", 2), 730.5),
    (("year", 5), 1826.0),
    (("year", 10), 3652.5),
    (("year", 25), 9131.0),
    (("year", 50), 18262.0),
)


def _tick_days(first: datetime.date, last: datetime.date, step: _TickStep) -> list[datetime.date]:
    kind, k = step
    days: list[datetime.date] = []
    if kind in ("day", "week"):
        day = first
        if kind == "week":
            day += datetime.timedelta(days=(7 - first.weekday()) % 7)  # Mondays
            k *= 7
        while day <= last:
            days.append(day)
            day += datetime.timedelta(days=k)
    elif kind == "month":
        index = first.year * 12 + first.month - 1 + (first.day > 1)
        index += (-index) % k
        while (day := datetime.date(index // 12, index % 12 + 1, 1)) <= last:
            days.append(day)
            index += k
    else:
        year = first.year + (first > datetime.date(first.year, 1, 1))
        year += (-year) % k
        while year <= last.year:
            days.append(datetime.date(year, 1, 1))
            year += k
    return days


def _time_ticks(
    first: datetime.date, last: datetime.date, max_ticks: int
) -> list[tuple[datetime.date, str, str]]:
    """Ticks as (day, label, second line) at the finest step giving at most ``max_ticks``.

    Day and week ticks read "3 Mar", month ticks "Mar", year ticks "2021"; the second line
    carries the year under the first tick and wherever the year changes.
    """
    span = max((last - first).days, 1)
    step: _TickStep = ("year", 100)
    for candidate, approx_days in _TICK_STEPS:
        if span / approx_days <= max_ticks:
            step = candidate
            break
    ticks: list[tuple[datetime.date, str, str]] = []
    previous_year: int | None = None
    for day in _tick_days(first, last, step):
        if step[0] == "year":
            ticks.append((day, str(day.year), ""))
            continue
        month = _MONTHS[day.month - 1]
        label = month if step[0] == "month" else f"{day.day} {month}"
        ticks.append((day, label, str(day.year) if day.year != previous_year else ""))
        previous_year = day.year
    return ticks


def _value_ticks(top: float, max_ticks: int) -> list[float]:
    """Round values from 0 to at most ``top``, at most ``max_ticks`` + 1 of them."""
    raw = top / max_ticks
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw - 1e-12)
    count = math.floor(top / step + 1e-9)
    return [i * step for i in range(count + 1)]


# ---------------------------------------------------------------------------------------------
# layout


@dataclass(frozen=True)
class _Panel:
    top: float
    height: float

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass(frozen=True)
class _Series:
    scale: str
    label: str
    colour: str
    points: tuple[ScorePoint, ...]


@dataclass(frozen=True)
class _Diary:
    """The diary as arrays: sorted unique day ordinals, severity, pain (NaN = not recorded)."""

    days: NDArray[np.int64]
    severity: NDArray[np.float64]
    pain: NDArray[np.float64]

    @classmethod
    def of(cls, diary: Sequence[DiaryPoint]) -> _Diary:
        n = len(diary)
        days = np.fromiter((d.day.toordinal() for d in diary), dtype=np.int64, count=n)
        severity = np.fromiter((d.severity_0_10 for d in diary), dtype=np.float64, count=n)
        pain = np.fromiter(
            (math.nan if d.pain_0_10 is None else d.pain_0_10 for d in diary),
            dtype=np.float64,
            count=n,
        )
        return cls(days, severity, pain)

    def within(self, first: int | None, last: int | None) -> _Diary:
        """Entries from ``first`` to ``last`` (ordinals), one per day (the last one given)."""
        keep = np.ones(self.days.shape, dtype=bool)
        if first is not None:
            keep &= self.days >= first
        if last is not None:
            keep &= self.days <= last
        days, severity, pain = self.days[keep], self.severity[keep], self.pain[keep]
        order = np.argsort(days, kind="stable")
        days, severity, pain = days[order], severity[order], pain[order]
        last_of_day = np.append(days[1:] != days[:-1], True) if days.size else keep[:0]
        return _Diary(days[last_of_day], severity[last_of_day], pain[last_of_day])


def _legend(
    items: Sequence[tuple[str, str]], *, x0: float, x1: float, top: float
) -> tuple[list[str], float]:
    """Lay out legend items (swatch drawn around 0,0; text) in rows; return them and the bottom."""
    out: list[str] = []
    x, y = x0, top
    row_height = 18.0
    for swatch, text in items:
        width = 26 + _text_width(text, 12) + 14
        if x > x0 and x + width > x1:
            x = x0
            y += row_height
        out.append(
            f'<g transform="translate({_c(x)},{_c(y)})">{swatch}'
            f'<text x="26" y="4" font-size="12" fill="{_MUTED}">{_e(text)}</text></g>'
        )
        x += width
    return out, y + row_height / 2


def _line_swatch(colour: str, *, dashed: bool = False, marker: bool = False) -> str:
    dash = ' stroke-dasharray="5 3"' if dashed else ""
    dot = (
        f'<circle cx="10" cy="0" r="3.5" fill="#ffffff" stroke="{colour}" stroke-width="2"/>'
        if marker
        else ""
    )
    return f'<line x1="0" y1="0" x2="20" y2="0" stroke="{colour}" stroke-width="2"{dash}/>{dot}'


def _empty_svg(width: int, title: str, message: str, detail: str) -> str:
    height = 150
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}: {_e(message)}" '
        f'font-family="{_FONT}" class="dw-chart dw-chart-empty">'
        f"<title>{_e(title)}</title><desc>{_e(message)}. {_e(detail)}</desc>"
        f'<rect x="1" y="1" width="{width - 2}" height="{height - 2}" rx="8" fill="#f8fafc" '
        f'stroke="#cbd5e1" stroke-dasharray="6 4"/>'
        f'<text x="{_c(width / 2)}" y="{_c(height / 2 - 4)}" text-anchor="middle" '
        f'font-size="15" font-weight="600" fill="{_MUTED}">{_e(message)}</text>'
        f'<text x="{_c(width / 2)}" y="{_c(height / 2 + 18)}" text-anchor="middle" '
        f'font-size="12" fill="{_FAINT}">{_e(_shorten(detail, int(width / 7)))}</text></svg>'
    )


# ---------------------------------------------------------------------------------------------
# panels


def _value_axis(
    out: list[str], axis: _TimeAxis, panel: _Panel, top: float, ticks: Sequence[float], unit: str
) -> None:
    """Horizontal grid lines, their labels on the left, and the panel's base line."""
    grid: list[str] = []
    for v in ticks:
        y = panel.bottom - v / top * panel.height
        if v > 0:
            grid.append(f"M{_c(axis.x0)} {_c(y)}H{_c(axis.x1)}")
        out.append(
            f'<text x="{_c(axis.x0 - 6)}" y="{_c(y + 4)}" text-anchor="end" '
            f'font-size="11" fill="{_FAINT}">{_num(v)}{unit}</text>'
        )
    if grid:
        out.append(f'<path d="{"".join(grid)}" stroke="{_GRID}" fill="none"/>')
    out.append(
        f'<line x1="{_c(axis.x0)}" y1="{_c(panel.bottom)}" x2="{_c(axis.x1)}" '
        f'y2="{_c(panel.bottom)}" stroke="{_AXIS}"/>'
    )


def _empty_panel(out: list[str], axis: _TimeAxis, panel: _Panel, message: str) -> None:
    out.append(
        f'<rect x="{_c(axis.x0)}" y="{_c(panel.top)}" width="{_c(axis.x1 - axis.x0)}" '
        f'height="{_c(panel.height)}" rx="4" fill="#f8fafc"/>'
        f'<text x="{_c(axis.x0 + 10)}" y="{_c(panel.top + panel.height / 2 + 4)}" '
        f'font-size="12" fill="{_FAINT}">{_e(message)}</text>'
    )


def _draw_scores(
    out: list[str],
    axis: _TimeAxis,
    panel: _Panel,
    series: Sequence[_Series],
    *,
    percent: bool,
    narrow: bool,
) -> None:
    """Grid, one line with markers per scale, and values above the markers when there is room."""
    if percent:
        top = 100.0
        _value_axis(out, axis, panel, top, (0, 25, 50, 75, 100), "%")
    else:
        points = series[0].points
        observed = max(p.total for p in points)
        maxima = [p.maximum for p in points if p.maximum is not None]
        if maxima:
            top = max([*maxima, observed])
        else:  # no maximum known: a round number above the highest score
            top = max(_value_ticks(max(observed * 1.15, 1.0), 4)[-1], observed)
        _value_axis(out, axis, panel, top, _value_ticks(top, 4 if narrow else 5), "")
    for se in series:
        coords: list[tuple[float, float, ScorePoint]] = []
        for p in se.points:
            value = p.total / (p.maximum or 1.0) * 100.0 if percent else p.total
            coords.append((axis.x(p.day), panel.bottom - value / top * panel.height, p))
        if len(coords) > 1:
            d = "M" + "L".join(f"{_c(x)} {_c(y)}" for x, y, _ in coords)
            out.append(
                f'<path class="dw-score-line" d="{d}" fill="none" stroke="{se.colour}" '
                f'stroke-width="2" stroke-linejoin="round"/>'
            )
        spacing = min((b[0] - a[0] for a, b in itertools.pairwise(coords)), default=math.inf)
        show_values = not percent and spacing >= 26
        for x, y, p in coords:
            of = f" of {_num(p.maximum)}" if p.maximum is not None else ""
            pct = f" ({p.total / p.maximum * 100:.0f}%)" if percent and p.maximum else ""
            tip = f"{_day(p.day)}: {p.label} {_num(p.total)}{of}{pct}"
            out.append(
                f'<circle class="dw-score-point" data-day="{p.day.isoformat()}" '
                f'cx="{_c(x)}" cy="{_c(y)}" r="3.5" fill="#ffffff" stroke="{se.colour}" '
                f'stroke-width="2"><title>{_e(tip)}</title></circle>'
            )
            if show_values:
                out.append(
                    f'<text x="{_c(x)}" y="{_c(y - 8)}" text-anchor="middle" '
                    f'font-size="10.5" fill="{se.colour}">{_num(p.total)}</text>'
                )


def trailing_mean(
    days: NDArray[np.int64], values: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Trailing 7-day mean of daily values, on every day where it is defined.

    The mean on day ``d`` is taken over the calendar days ``[d - 6, d]`` when that window
    holds at least 3 entries; on sparser days it is not defined (a line through it breaks).

    Parameters
    ----------
    days : ndarray of int64
        Day numbers of the entries (``date.toordinal()``), increasing, one entry per day.
    values : ndarray of float64
        The entries' values, same length.

    Returns
    -------
    offsets : ndarray of int64
        Days, counted from ``days[0]``, on which the mean is defined.
    mean : ndarray of float64
        The mean on each of those days.
    """
    if days.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    length = int(days[-1] - days[0]) + 1
    total = np.zeros(length + 1)
    count = np.zeros(length + 1)
    total[days - days[0] + 1] = values
    count[days - days[0] + 1] = 1.0
    total = np.cumsum(total)
    count = np.cumsum(count)
    hi = np.arange(1, length + 1)
    lo = np.maximum(hi - _ROLLING_DAYS, 0)
    n = count[hi] - count[lo]
    valid = n >= _ROLLING_MIN_ENTRIES
    return np.flatnonzero(valid).astype(np.int64), (total[hi] - total[lo])[valid] / n[valid]


def _rolling_path(
    axis: _TimeAxis, panel: _Panel, days: NDArray[np.int64], values: NDArray[np.float64]
) -> str:
    """Path data of the trailing 7-day mean, one point per pixel column, broken at gaps.

    The mean is taken over the calendar days ``[d - 6, d]`` on every day whose window holds at
    least ``_ROLLING_MIN_ENTRIES`` entries; the line breaks where a window holds fewer.
    """
    if days.size == 0:
        return ""
    offsets, mean = trailing_mean(days, values)
    if mean.size == 0:
        return ""
    valid = np.zeros(int(days[-1] - days[0]) + 1, dtype=bool)
    valid[offsets] = True
    x = axis.x0 + (offsets + (days[0] - axis.first)) * axis.px_per_day
    run = np.cumsum(~valid)[valid]  # a new run after every day too sparse to average
    column = np.floor(x).astype(np.int64)
    key = run * (int(column.max()) + 2) + column
    new_bin = np.append(True, key[1:] != key[:-1])
    starts = np.flatnonzero(new_bin)
    sizes = np.diff(np.append(starts, key.size))
    bin_x = np.add.reduceat(x, starts) / sizes
    bin_y = panel.bottom - np.add.reduceat(mean, starts) / sizes * (panel.height / 10.0)
    # the markup of every run at once: "M x y L x y ..." (%-formatting is the fast way here)
    xy = np.empty(2 * bin_x.size)
    xy[0::2], xy[1::2] = bin_x, bin_y
    run_starts = np.flatnonzero(np.append(True, run[starts][1:] != run[starts][:-1]))
    run_sizes = np.diff(np.append(run_starts, bin_x.size)).tolist()
    template = "".join("M" + "L".join(["%.1f %.1f"] * size) for size in run_sizes)
    return template % tuple(xy.tolist())


def _draw_diary(
    out: list[str], axis: _TimeAxis, panel: _Panel, diary: _Diary, *, smoothed: bool, narrow: bool
) -> None:
    """Severity (solid) and pain (dashed), 0-10: daily lines, or 7-day means over daily dots."""
    _value_axis(out, axis, panel, 10.0, (0, 5, 10) if narrow else (0, 2, 4, 6, 8, 10), "")
    scale_y = panel.height / 10.0
    has_pain = ~np.isnan(diary.pain)
    pain_days, pain = diary.days[has_pain], diary.pain[has_pain]
    if smoothed:
        dot_x = axis.x0 + (diary.days - axis.first) * axis.px_per_day
        dot_y = panel.bottom - diary.severity * scale_y
        # one dot per 2-px column and pixel row: the same picture, a fraction of the markup
        col = np.rint(dot_x / 2.0).astype(np.int64)
        row = np.rint(dot_y).astype(np.int64)
        _, first_of_key = np.unique(col * 100_000 + row, return_index=True)
        xy = np.empty(2 * first_of_key.size, dtype=np.int64)
        xy[0::2], xy[1::2] = col[first_of_key] * 2, row[first_of_key]
        dots = ("M%d %dh0" * first_of_key.size) % tuple(xy.tolist())
        out.append(
            f'<path class="dw-diary-days" d="{dots}" stroke="{_SEVERITY}" stroke-opacity="0.3" '
            f'stroke-width="3" stroke-linecap="round" fill="none"/>'
        )
        lines = (
            ("severity", _SEVERITY, "", _rolling_path(axis, panel, diary.days, diary.severity)),
            ("pain", _PAIN, _DASH, _rolling_path(axis, panel, pain_days, pain)),
        )
        for name, colour, dash, d in lines:
            if d:
                out.append(
                    f'<path class="dw-diary-{name}" d="{d}" fill="none" stroke="{colour}" '
                    f'stroke-width="2" stroke-linejoin="round"{dash}/>'
                )
        return
    for name, colour, dash, days, values in (
        ("severity", _SEVERITY, "", diary.days, diary.severity),
        ("pain", _PAIN, _DASH, pain_days, pain),
    ):
        points = [
            (int(o), float(v), axis.x0 + (int(o) - axis.first) * axis.px_per_day)
            for o, v in zip(days.tolist(), values.tolist(), strict=True)
        ]
        segments: list[str] = []
        for i, (o, v, x) in enumerate(points):
            joined = i > 0 and o - points[i - 1][0] <= _RAW_DIARY_MAX_GAP_DAYS
            segments.append(f"{'L' if joined else 'M'}{_c(x)} {_c(panel.bottom - v * scale_y)}")
        if len(points) > 1:
            out.append(
                f'<path class="dw-diary-{name}" d="{"".join(segments)}" fill="none" '
                f'stroke="{colour}" stroke-width="2" stroke-linejoin="round"{dash}/>'
            )
        for o, v, x in points:
            day = datetime.date.fromordinal(o)
            out.append(
                f'<circle class="dw-diary-point" data-day="{day.isoformat()}" cx="{_c(x)}" '
                f'cy="{_c(panel.bottom - v * scale_y)}" r="2.5" fill="{colour}">'
                f"<title>{_day(day)}: {name} {_num(v)} of 10</title></circle>"
            )


@dataclass(frozen=True)
class _LaneText:
    """A label in the session lane: row 0 or 1, anchored at x (start, or end when ``end``)."""

    x: float
    row: int
    text: str
    colour: str
    end: bool = False


def _lane_texts(
    toxin: Sequence[ToxinMark], xs: Sequence[float], axis: _TimeAxis, colours: dict[str, str]
) -> list[_LaneText]:
    """Labels of the session lane; no label ever runs under another session's marker.

    When there is room, every session reads "product units" under its marker. Otherwise the
    first row names the product once per run of sessions with the same product (shortened to
    the room before the next run) and the second row gives each session's units, where they fit.
    """
    size = 11.0
    limit = [*(x - 7 for x in xs[1:]), axis.x1 + 10]  # a label may not reach the next marker
    full = [f"{_shorten(t.product, 22)} {_num(t.total_units)} U" for t in toxin]
    if all(xs[i] - 3 + _text_width(full[i], size) <= limit[i] for i in range(len(toxin) - 1)):
        texts = [
            _LaneText(x - 3, 0, label, colours[t.product])
            for x, label, t in zip(xs[:-1], full[:-1], toxin[:-1], strict=True)
        ]
        last, x = toxin[-1], xs[-1]
        fits_right = x - 3 + _text_width(full[-1], size) <= limit[-1]
        previous = xs[-2] + 7 if len(xs) > 1 else axis.x0 - 40
        if fits_right or x + 3 - _text_width(full[-1], size) >= previous:
            texts.append(
                _LaneText(
                    x + 3 if not fits_right else x - 3,
                    0,
                    full[-1],
                    colours[last.product],
                    end=not fits_right,
                )
            )
            return texts
    texts = []
    starts = [i for i in range(len(toxin)) if i == 0 or toxin[i].product != toxin[i - 1].product]
    for k, i in enumerate(starts):
        room = (xs[starts[k + 1]] - 7 if k + 1 < len(starts) else axis.x1 + 10) - (xs[i] - 3)
        chars = int(room / (size * 0.6))
        if chars >= 4:
            name = _shorten(toxin[i].product, min(chars, 28))
            texts.append(_LaneText(xs[i] - 3, 0, name, colours[toxin[i].product]))
    row_end = -math.inf
    for i, t in enumerate(toxin):
        units = f"{_num(t.total_units)} U"
        lo, hi = xs[i] - 3, xs[i] - 3 + _text_width(units, size)
        if lo >= row_end + 6 and hi <= limit[i]:
            texts.append(_LaneText(lo, 1, units, colours[t.product]))
            row_end = hi
    return texts


def _draw_toxin(
    out: list[str],
    axis: _TimeAxis,
    lane: _Panel,
    panels: Sequence[_Panel],
    toxin: Sequence[ToxinMark],
    colours: dict[str, str],
) -> None:
    """Sessions: a marker in the lane, a line through each panel, labels (see _lane_texts).

    The bands of the expected cycle were drawn before, under the data. Every session keeps a
    tooltip with its date, product, units and the weeks since the session before.
    """
    out.append(
        f'<text x="{_c(axis.x0 - 6)}" y="{_c(lane.top + 17)}" text-anchor="end" '
        f'font-size="10.5" fill="{_FAINT}">BoNT</text>'
    )
    xs = [axis.x(t.day) for t in toxin]
    dense = len(toxin) > 1 and min(b - a for a, b in itertools.pairwise(xs)) < 24
    stroke = ' stroke-width="1" stroke-opacity="0.55"' if dense else ' stroke-width="1.5"'
    for i, (t, x) in enumerate(zip(toxin, xs, strict=True)):
        colour = colours[t.product]
        since = (
            f"; {(t.day - toxin[i - 1].day).days / 7:.1f} weeks after the previous session"
            if i
            else ""
        )
        tip = f"{_day(t.day)}: {t.product} {_num(t.total_units)} units{since}"
        iso = t.day.isoformat()
        out.append(f'<g class="dw-toxin" data-day="{iso}"><title>{_e(tip)}</title>')
        for panel in panels:
            out.append(
                f'<line class="dw-toxin-line" data-day="{iso}" x1="{_c(x)}" y1="{_c(panel.top)}" '
                f'x2="{_c(x)}" y2="{_c(panel.bottom)}" stroke="{colour}"{stroke}/>'
            )
        out.append(
            f'<path class="dw-toxin-marker" data-day="{iso}" d="M{_c(x - 4.5)} {_c(lane.top + 1)}'
            f'h9l-4.5 7z" fill="{colour}"/></g>'
        )
    for label in _lane_texts(toxin, xs, axis, colours):
        anchor = ' text-anchor="end"' if label.end else ""
        out.append(
            f'<text class="dw-toxin-label" x="{_c(label.x)}" '
            f'y="{_c(lane.top + (19 if label.row == 0 else 32))}" font-size="11"{anchor} '
            f'fill="{label.colour}">{_e(label.text)}</text>'
        )


# ---------------------------------------------------------------------------------------------
# the trajectory


def trajectory_svg(
    *,
    scores: Sequence[ScorePoint],
    toxin: Sequence[ToxinMark],
    diary: Sequence[DiaryPoint],
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    width_px: int = 900,
    title: str = "Trajectory",
) -> str:
    """Draw scale totals, botulinum toxin sessions and the diary on one time axis.

    Parameters
    ----------
    scores : sequence of ScorePoint
        Rating-scale totals; one line per ``scale``. With one scale the y axis is its own score
        (0 to its maximum); with several, "% of each scale's maximum" (a scale without a known
        maximum is then left out, and the panel says so).
    toxin : sequence of ToxinMark
        Botulinum toxin sessions: a vertical line through every panel, labelled with product and
        units, and a band for the expected cycle (:data:`EXPECTED_CYCLE_DAYS`) that ends early
        where the next session starts. Units are never summed or compared across products.
    diary : sequence of DiaryPoint
        Daily severity (solid) and pain (dashed), 0-10; one entry per day (the last one given
        wins). Beyond 120 entries, or when a day is narrower than 3 px, the lines are trailing
        7-day means over faint dots for single days.
    start, end : datetime.date, optional
        Period shown; data outside it is left out. By default, the span of the data with a
        small margin.
    width_px : int, default 900
        Width of the drawing in pixels, 320-4000; the height follows from the content. Below
        600 px the layout is the compact one of the patient portal.
    title : str, default "Trajectory"
        Title drawn at the top and used as the accessible name.

    Returns
    -------
    str
        A standalone ``<svg>`` element (``role="img"``, ``<title>``, and a ``<desc>`` that says
        the chart in words). Without data in the period: a "No data yet" drawing of the same
        width.

    Raises
    ------
    InvalidInputError
        For a width outside 320-4000, ``start`` after ``end``, a score outside 0 to its
        maximum, units that are not positive, or a diary value outside 0-10.

    Examples
    --------
    >>> import datetime
    >>> svg = trajectory_svg(
    ...     scores=[ScorePoint(datetime.date(2024, 1, 8), "twstrs", 32, 85, "TWSTRS total")],
    ...     toxin=[ToxinMark(datetime.date(2024, 1, 8), "onabotulinumtoxinA", 200)],
    ...     diary=[],
    ... )
    >>> svg.startswith("<svg")
    True
    """
    if isinstance(width_px, bool) or not isinstance(width_px, int) or not 320 <= width_px <= 4000:
        raise InvalidInputError("width_px", width_px, allowed="320-4000")
    if start is not None and end is not None and start > end:
        raise InvalidInputError("start", start.isoformat(), reason=f"is after end ({end})")
    all_diary = _Diary.of(diary)
    _validate(scores, toxin, all_diary.severity, all_diary.pain)

    def inside(day: datetime.date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    scores = sorted((s for s in scores if inside(s.day)), key=lambda s: s.day)
    toxin = sorted((t for t in toxin if inside(t.day)), key=lambda t: t.day)
    days = all_diary.within(start.toordinal() if start else None, end.toordinal() if end else None)
    if not (scores or toxin or days.days.size):
        return _empty_svg(
            width_px,
            title,
            "No data yet",
            "Scale scores, botulinum toxin sessions and diary entries will appear here.",
        )

    # --- period and horizontal layout --------------------------------------------------------
    ordinals = [s.day.toordinal() for s in scores] + [t.day.toordinal() for t in toxin]
    if days.days.size:
        ordinals += [int(days.days[0]), int(days.days[-1])]
    first_day = start or datetime.date.fromordinal(min(ordinals))
    last_day = end or datetime.date.fromordinal(max(ordinals))
    span = (last_day - first_day).days
    pad = max(span * 0.02, 3.0 if span else 15.0)
    first = first_day.toordinal() - (0.0 if start else pad)
    last = max(last_day.toordinal() + (0.0 if end else pad), first + 1.0)
    narrow = width_px < 600
    left, right = (36.0, 12.0) if narrow else (52.0, 20.0)
    axis = _TimeAxis(first, last, left, width_px - right)

    # --- what is drawn ----------------------------------------------------------------------
    by_scale: dict[str, list[ScorePoint]] = {}
    for s in scores:
        by_scale.setdefault(s.scale, []).append(s)
    percent = len(by_scale) > 1
    drawable = {k: v for k, v in by_scale.items() if not percent or all(p.maximum for p in v)}
    left_out = sorted({v[-1].label for k, v in by_scale.items() if k not in drawable})
    series = [
        _Series(scale, pts[-1].label, _SCALE_COLOURS[i % len(_SCALE_COLOURS)], tuple(pts))
        for i, (scale, pts) in enumerate(drawable.items())
    ]
    colours: dict[str, str] = {}
    for t in toxin:
        colours.setdefault(t.product, _TOXIN_COLOURS[len(colours) % len(_TOXIN_COLOURS)])
    smoothed = bool(days.days.size) and (
        days.days.size > _RAW_DIARY_MAX_POINTS or axis.px_per_day < _RAW_DIARY_MIN_PX_PER_DAY
    )

    # --- header and legend ------------------------------------------------------------------
    out: list[str] = [
        f'<text x="{_c(left)}" y="22" font-size="16" font-weight="600" fill="{_INK}">'
        f"{_e(title)}</text>"
    ]
    period = f"{_day(first_day)} – {_day(last_day)}"
    if narrow:
        out.append(f'<text x="{_c(left)}" y="40" font-size="12" fill="{_FAINT}">{period}</text>')
    else:
        out.append(
            f'<text x="{_c(axis.x1)}" y="22" font-size="12" text-anchor="end" '
            f'fill="{_FAINT}">{period}</text>'
        )
    legend: list[tuple[str, str]] = []
    for se in series:
        maximum = se.points[-1].maximum
        of = f" (of {_num(maximum)})" if percent and maximum is not None else ""
        legend.append((_line_swatch(se.colour, marker=True), se.label + of))
    if days.days.size:
        mean = " (7-day mean)" if smoothed else ""
        legend.append((_line_swatch(_SEVERITY), f"Diary severity{mean}"))
        if not np.isnan(days.pain).all():
            legend.append((_line_swatch(_PAIN, dashed=True), f"Pain{mean}"))
    for product, colour in colours.items():
        legend.append(
            (
                f'<line x1="10" y1="-7" x2="10" y2="7" stroke="{colour}" stroke-width="2"/>'
                f'<path d="M5.5 -8h9l-4.5 7z" fill="{colour}"/>',
                product,
            )
        )
    if toxin:
        legend.append(
            (
                f'<rect x="2" y="-7" width="18" height="14" fill="{_FAINT}" fill-opacity="0.12"/>',
                "12 weeks after a session",
            )
        )
    legend_out, legend_bottom = _legend(legend, x0=left, x1=axis.x1, top=(60.0 if narrow else 46.0))
    out.extend(legend_out)

    # --- vertical layout --------------------------------------------------------------------
    y = legend_bottom + 10
    lane = _Panel(y, 36.0) if toxin else None
    if lane is not None:
        y = lane.bottom + 4
    score_heading = y + 14
    score_panel = _Panel(score_heading + 10, (150.0 if narrow else 180.0) if series else 28.0)
    diary_heading = score_panel.bottom + 34
    diary_panel = _Panel(
        diary_heading + 10, (120.0 if narrow else 140.0) if days.days.size else 28.0
    )
    panels = (score_panel, diary_panel)

    # --- under the data: time grid and the expected cycle after each session ----------------
    ticks = _time_ticks(
        datetime.date.fromordinal(math.ceil(first)),
        datetime.date.fromordinal(math.floor(last)),
        max(2, int((axis.x1 - axis.x0) / (48 if narrow else 56))),
    )
    tick_xs = [axis.x(day) for day, _, _ in ticks]
    grid = "".join(f"M{_c(x)} {_c(p.top)}V{_c(p.bottom)}" for p in panels for x in tick_xs)
    if grid:
        out.append(f'<path d="{grid}" stroke="{_GRID}" fill="none"/>')
    for i, t in enumerate(toxin):
        band_end = t.day.toordinal() + EXPECTED_CYCLE_DAYS
        if i + 1 < len(toxin):
            band_end = min(band_end, toxin[i + 1].day.toordinal())
        x = axis.x(t.day)
        x_end = min(axis.x0 + (band_end - axis.first) * axis.px_per_day, axis.x1)
        for p in panels:
            out.append(
                f'<rect class="dw-toxin-band" data-day="{t.day.isoformat()}" x="{_c(x)}" '
                f'y="{_c(p.top)}" width="{_c(max(x_end - x, 0.0))}" height="{_c(p.height)}" '
                f'fill="{colours[t.product]}" fill-opacity="0.07"/>'
            )

    # --- panels -----------------------------------------------------------------------------
    if percent:
        score_title = "Rating scales, % of each scale's maximum"
    elif series:
        maxima = [p.maximum for p in series[0].points if p.maximum is not None]
        score_title = f"Rating scale: {series[0].label}" + (
            f" (0–{_num(max(maxima))})" if maxima else ""
        )
    else:
        score_title = "Rating scales"
    out.append(
        f'<text x="{_c(left)}" y="{_c(score_heading)}" font-size="12" font-weight="600" '
        f'fill="{_INK}">{_e(score_title)}</text>'
    )
    if left_out:
        out.append(
            f'<text x="{_c(axis.x1)}" y="{_c(score_heading)}" text-anchor="end" font-size="11" '
            f'fill="{_FAINT}">Not drawn, no maximum known: {_e(", ".join(left_out))}</text>'
        )
    if series:
        _draw_scores(out, axis, score_panel, series, percent=percent, narrow=narrow)
    else:
        _empty_panel(out, axis, score_panel, "No scale scores in this period")

    if narrow:
        diary_title = "Diary, 0–10" + (": 7-day mean, dots = days" if smoothed else "")
    else:
        diary_title = "Patient diary, 0 none – 10 worst" + (
            ": 7-day mean, dots are single days" if smoothed else ""
        )
    out.append(
        f'<text x="{_c(left)}" y="{_c(diary_heading)}" font-size="12" font-weight="600" '
        f'fill="{_INK}">{_e(diary_title)}</text>'
    )
    if days.days.size:
        _draw_diary(out, axis, diary_panel, days, smoothed=smoothed, narrow=narrow)
    else:
        _empty_panel(out, axis, diary_panel, "No diary entries in this period")

    if lane is not None:
        _draw_toxin(out, axis, lane, panels, toxin, colours)

    # --- time axis --------------------------------------------------------------------------
    base = diary_panel.bottom
    out.append(f'<path d="{"".join(f"M{_c(x)} {_c(base)}v4" for x in tick_xs)}" stroke="{_AXIS}"/>')
    for x, (_, label, second) in zip(tick_xs, ticks, strict=True):
        out.append(
            f'<text x="{_c(x)}" y="{_c(base + 16)}" text-anchor="middle" font-size="11" '
            f'fill="{_MUTED}">{label}</text>'
        )
        if second:
            out.append(
                f'<text x="{_c(x)}" y="{_c(base + 30)}" text-anchor="middle" font-size="11" '
                f'font-weight="600" fill="{_MUTED}">{second}</text>'
            )

    height = base + (38.0 if any(second for _, _, second in ticks) else 26.0)
    summary = _summary(series, left_out, toxin, days, first_day, last_day)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{_c(height)}" '
        f'viewBox="0 0 {width_px} {_c(height)}" role="img" aria-label="{_e(title)}" '
        f'font-family="{_FONT}" class="dw-chart">'
        f"<title>{_e(title)}</title><desc>{_e(summary)}</desc>"
        f'<rect width="{width_px}" height="{_c(height)}" fill="#ffffff"/>'
    )
    return head + "".join(out) + "</svg>"


def _summary(
    series: Sequence[_Series],
    left_out: Sequence[str],
    toxin: Sequence[ToxinMark],
    diary: _Diary,
    first_day: datetime.date,
    last_day: datetime.date,
) -> str:
    """The chart in words, for screen readers (``<desc>``)."""
    parts = [f"From {_day(first_day)} to {_day(last_day)}."]
    for se in series:
        latest = se.points[-1]
        of = f" of {_num(latest.maximum)}" if latest.maximum is not None else ""
        parts.append(
            f"{se.label}: {len(se.points)} score(s); latest {_num(latest.total)}{of} "
            f"on {_day(latest.day)}."
        )
    if left_out:
        parts.append(f"Not drawn, no maximum known: {', '.join(left_out)}.")
    if toxin:
        counts: dict[str, int] = {}
        for t in toxin:
            counts[t.product] = counts.get(t.product, 0) + 1
        by_product = ", ".join(f"{p} {n}" for p, n in counts.items())
        latest_t = toxin[-1]
        parts.append(
            f"{len(toxin)} botulinum toxin session(s) ({by_product}); latest "
            f"{latest_t.product} {_num(latest_t.total_units)} units on {_day(latest_t.day)}."
        )
    if diary.days.size:
        recent = diary.severity[diary.days > diary.days[-1] - 28]
        parts.append(
            f"Diary: {diary.days.size} day(s); mean severity over the last 4 weeks of entries "
            f"{float(recent.mean()):.1f} of 10."
        )
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# sparkline


def sparkline_svg(
    values: Sequence[float],
    width_px: int = 120,
    height_px: int = 24,
    *,
    label: str = "Trend",
    maximum: float | None = None,
) -> str:
    """A small line of recent values for a table cell, the last value marked.

    Parameters
    ----------
    values : sequence of float
        Values in time order; non-finite values are skipped.
    width_px, height_px : int, default 120 and 24
        Size of the drawing (at least 16 x 8).
    label : str, default "Trend"
        What the values are (``"TWSTRS total"``), for the accessible name.
    maximum : float, optional
        Fixes the y axis at 0 to ``maximum`` (e.g. the scale maximum) instead of the range of
        the values, so that sparklines of one scale compare across rows.

    Returns
    -------
    str
        An ``<svg>`` element with ``role="img"`` and an ``aria-label`` stating the first and last
        value; a flat grey dash when there are no values.
    """
    if width_px < 16 or height_px < 8:
        raise InvalidInputError("width_px, height_px", (width_px, height_px), allowed=">= 16, >= 8")
    if maximum is not None and not (math.isfinite(maximum) and maximum > 0):
        raise InvalidInputError("maximum", maximum, allowed="a number > 0")
    data = [float(v) for v in values if math.isfinite(v)]
    w, h = width_px, height_px
    pad = 3.0
    if not data:
        name = f"{label}: no values yet"
        body = (
            f'<line x1="{_c(pad)}" y1="{_c(h / 2)}" x2="{_c(w - pad)}" y2="{_c(h / 2)}" '
            f'stroke="#cbd5e1" stroke-width="1.5" stroke-dasharray="3 3"/>'
        )
    else:
        low, high = (0.0, maximum) if maximum is not None else (min(data), max(data))
        if high - low < 1e-12:
            low, high = low - 1.0, high + 1.0
        step = (w - 2 * pad) / max(len(data) - 1, 1)

        def fy(v: float) -> float:
            return h - pad - (v - low) / (high - low) * (h - 2 * pad)

        xs = [pad + i * step for i in range(len(data))] if len(data) > 1 else [w / 2]
        ys = [fy(v) for v in data]
        trend = (
            f"from {_num(round(data[0], 2))} to {_num(round(data[-1], 2))}"
            if len(data) > 1
            else f"{_num(round(data[0], 2))}"
        )
        name = f"{label}: {len(data)} value(s), {trend}"
        body = ""
        if len(data) > 1:
            d = "M" + "L".join(f"{_c(x)} {_c(y)}" for x, y in zip(xs, ys, strict=True))
            body += (
                f'<path d="{d}" fill="none" stroke="#1d4ed8" stroke-width="1.5" '
                f'stroke-linejoin="round" stroke-linecap="round"/>'
            )
        body += f'<circle cx="{_c(xs[-1])}" cy="{_c(ys[-1])}" r="2.5" fill="#1d4ed8"/>'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-label="{_e(name)}" class="dw-sparkline">'
        f"<title>{_e(name)}</title>{body}</svg>"
    )

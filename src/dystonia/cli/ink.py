"""``dystonia ink``: spiral, handwriting and tremor measures of pen recordings (a thin shell).

Commands
--------
``dystonia ink analyze FILE [--format F] [--task K] [--task-id N ...] [--mm-per-unit U] [--json]
[--plot OUT.png]``
    Report of one pen file (contract: ``/work/shared/contracts/ink.md``).

Every deliberate error is a :class:`dystonia.exceptions.DystoniaError`; :func:`dystonia.cli.main`
prints it as one line on standard error and exits with code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from dystonia.cli import app
from dystonia.cli._output import print_json
from dystonia.ink.io import FORMATS
from dystonia.ink.report import TASKS, InkReport, TaskReport, analyze
from dystonia.validation import check_option, check_range

__all__ = ["analyze_command", "format_report", "ink_app"]

ink_app = typer.Typer(
    name="ink",
    help="Pen and tablet recordings: spiral smoothness, handwriting fluency, tremor on paper.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(ink_app, name="ink")


def _fmt(value: Any, spec: str = ".2f", unit: str = "") -> str:
    if value is None:
        return "-"
    text = format(value, spec) if isinstance(value, int | float) else str(value)
    return f"{text} {unit}".rstrip()


def _tremor_line(tr: TaskReport) -> str:
    t = tr.tremor
    if t.present is None:
        return "not assessed (too little pause-free pen data)"
    if t.present:
        return (
            f"PRESENT  {_fmt(t.frequency_hz, '.1f', 'Hz')}  {_fmt(t.amplitude_mm, '.2f', 'mm')} RMS"
            f"  axis {_fmt(t.axis_deg, '.0f', 'deg')} (strength {_fmt(t.axis_strength, '.2f')};"
            " 1 = one line, 0 = all directions)"
        )
    return (
        f"not found  (largest peak {_fmt(t.peak_hz, '.1f', 'Hz')},"
        f" {_fmt(t.peak_amplitude_mm, '.2f', 'mm')}, {_fmt(t.peak_to_background, '.1f')}x"
        " background)"
    )


def _task_lines(tr: TaskReport) -> list[str]:
    t = tr.task
    lines = [
        f"task {t.task_id}      {tr.kind} ({tr.kind_source})  {t.duration_s:.1f} s"
        f"  {t.n_samples} samples at {t.fs_hz:.1f} Hz  pen down {tr.pen_down_s:.1f} s",
    ]
    if tr.spiral is not None:
        s = tr.spiral
        lines.append(
            f"  spiral    {s.turns:.1f} turns {'clockwise' if s.fit.clockwise else 'counter-clockwise'},"
            f" loops {s.loop_spacing_mm:.1f} mm apart (fit RMS {s.fit_rms_mm:.2f} mm)"
        )
        lines.append(
            f"  smooth    1st order {_fmt(s.smoothness_first_order, '.2f', 'mm/rad')}"
            f"  2nd order {_fmt(s.smoothness_second_order, '.0f', 'mm/rad^2')}"
            f"  loop-width CV {_fmt(s.loop_width_cv, '.3f')}"
            f"  aspect {_fmt(s.aspect_ratio, '.2f')}"
        )
    if tr.writing is not None:
        w = tr.writing
        lines.append(
            f"  writing   {len(w.strokes)} strokes at {_fmt(w.stroke_frequency_hz, '.2f', 'Hz')}"
            f"  velocity inversions/stroke {_fmt(w.velocity_inversions_per_stroke, '.2f')}"
            f"  {len(w.lines)} line(s)"
        )
        lines.append(
            f"  pen       pressure {_fmt(w.pressure_mean, '.2f')} (CV {_fmt(w.pressure_cv, '.2f')})"
            f"  {w.pen_lifts} lifts, in air {_fmt(w.in_air_s, '.1f', 's')}"
            f" ({_fmt(None if w.in_air_fraction is None else 100 * w.in_air_fraction, '.0f')} %)"
        )
        per = w.per_line
        lines.append(
            "  trend     per line: inversions/stroke"
            f" {_fmt(per['velocity_inversions_per_stroke']['slope'], '+.2f')},"
            f" stroke frequency {_fmt(per['stroke_frequency_hz']['slope'], '+.2f', 'Hz')},"
            f" pressure {_fmt(per['pressure_mean']['slope'], '+.3f')}"
            f"  (first -> last line inversions {_fmt(per['velocity_inversions_per_stroke']['first'], '.2f')}"
            f" -> {_fmt(per['velocity_inversions_per_stroke']['last'], '.2f')})"
        )
    elif tr.pressure_mean is not None:
        lines.append(
            f"  pen       pressure {_fmt(tr.pressure_mean, '.2f')} (CV {_fmt(tr.pressure_cv, '.2f')})"
        )
    lines.append(f"  tremor    {_tremor_line(tr)}")
    for note in tr.notes:
        lines.append(f"  note      {note}")
    return lines


def format_report(report: InkReport) -> str:
    """Plain-text summary of a report (what a clinician reads first)."""
    rec = report.recording
    n = len(report.tasks)
    lines = [f"file        {rec.source or '-'} ({rec.format}, {n} task{'s' if n != 1 else ''})"]
    for tr in report.tasks:
        lines.append("")
        lines.extend(_task_lines(tr))
    if report.notes:
        lines.append("")
        lines.extend(f"note        {note}" for note in report.notes)
    return "\n".join(lines)


@ink_app.command("analyze")
def analyze_command(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="UCI tablet text, SVC, InkML, contract CSV or pointer JSON."
        ),
    ],
    format: Annotated[
        str, typer.Option("--format", help="Reader: auto, " + ", ".join(FORMATS) + ".")
    ] = "auto",
    task: Annotated[
        str,
        typer.Option("--task", help="Kind of every task: auto, spiral, writing, hold."),
    ] = "auto",
    task_id: Annotated[
        list[int] | None,
        typer.Option("--task-id", metavar="N", help="Only this task id (repeatable; UCI TestID)."),
    ] = None,
    mm_per_unit: Annotated[
        float | None,
        typer.Option("--mm-per-unit", help="Coordinate scale when the file has no units."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", metavar="OUT.png", help="Also draw a figure.")
    ] = None,
) -> None:
    """Spiral, handwriting and tremor measures of one pen recording."""
    check_option("format", format, ("auto", *FORMATS))
    check_option("task", task, TASKS)
    if mm_per_unit is not None:
        check_range("mm_per_unit", mm_per_unit, low=1e-6, high=1e3, unit="mm")
    report = analyze(file, task, format=format, tasks=task_id or None, mm_per_unit=mm_per_unit)
    if plot is not None:
        from dystonia.ink.plot import plot_report

        plot_report(report, plot)
    if as_json:
        print_json(report.to_dict())
    else:
        typer.echo(format_report(report))
        if plot is not None:
            typer.echo(f"\nfigure      {plot}")

"""``dystonia motion``: tremor analysis of wearable recordings (a thin shell over the core).

Commands
--------
``dystonia motion analyze RECORDING [--format F] [--json] [--summary] [--plot OUT.png]``
    Tremor report of one recording (contract: ``/work/shared/contracts/motion.md``).
``dystonia motion compare LABEL=FILE ... [--format F] [--json]``
    Tremor per task and the differences between tasks.

Every deliberate error is a :class:`dystonia.exceptions.DystoniaError`; :func:`dystonia.cli.main`
prints it as one line on standard error and exits with code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from dystonia.cli import app
from dystonia.cli._output import print_json
from dystonia.exceptions import InvalidInputError
from dystonia.motion.report import CompareReport, MotionReport, analyze, compare
from dystonia.validation import check_option

__all__ = ["analyze_command", "compare_command", "format_report", "motion_app"]

FORMATS = ("auto", "csv", "parquet", "cwa", "bin", "cloudupdrs")

motion_app = typer.Typer(
    name="motion",
    help="Wearable motion recordings: tremor frequency, amplitude, regularity (TSI), direction.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(motion_app, name="motion")


def _fmt(value: Any, spec: str = ".2f", unit: str = "") -> str:
    if value is None:
        return "-"
    text = format(value, spec) if isinstance(value, int | float) else str(value)
    return f"{text} {unit}".rstrip()


def format_report(report: MotionReport) -> str:
    """Plain-text summary of a report (what a clinician reads first)."""
    rec = report.recording
    tr = report.tremor
    amp = tr["amplitude"]
    lines = [
        f"recording   {rec['source'] or '-'} ({rec['format'] or '-'})",
        f"duration    {_fmt(rec['duration_s'], '.1f', 's')}  at {_fmt(rec['fs_hz'], '.2f', 'Hz')}"
        f"  channels {', '.join(rec['channels'])}",
        f"valid       {_fmt(rec['analysed_s'], '.0f', 's')} analysed"
        f"  gaps {rec['n_gaps']} ({_fmt(rec['gap_s'], '.1f', 's')})"
        f"  non-wear {_fmt(report.non_wear.to_dict()['non_wear_s'], '.0f', 's')}"
        + ("" if report.non_wear.assessed else " (not assessed)"),
        f"signal      {tr['signal']}  band {tr['band_hz'][0]:g}-{tr['band_hz'][1]:g} Hz",
        "",
        f"tremor      {'PRESENT' if tr['present'] else 'not found'}"
        f" in {tr['n_tremor_windows']} of {tr['n_windows']} windows"
        f" ({_fmt(None if tr['fraction_of_time'] is None else 100 * tr['fraction_of_time'], '.1f', '%')}"
        " of valid time)",
        f"frequency   {_fmt(tr['peak_frequency_hz'], '.2f', 'Hz')} (median peak)"
        f"  peak width {_fmt(tr['peak_width_hz'], '.2f', 'Hz')}",
        f"amplitude   {_fmt(amp['value'], '.3g', amp['unit'])} RMS (median)"
        f"  90th percentile {_fmt(tr['amplitude_p90'], '.3g', amp['unit'])}"
        f"  cycle CV {_fmt(tr['amplitude_cv'], '.2f')}",
        f"regularity  TSI {_fmt(tr['tsi_hz'], '.2f', 'Hz')} ({tr['tsi_n_changes']} cycle changes;"
        f" di Biase 2017 reference cut-off {tr['tsi_reference_cutoff_hz']:g} Hz)"
        f"  inst. frequency SD {_fmt(tr['if_sd_hz'], '.2f', 'Hz')}",
        f"direction   {_fmt(tr['directionality'], '.2f')} of tremor variance on one axis"
        " (1 = single axis, 0.33 = isotropic)",
    ]
    for note in report.notes:
        lines.append(f"note        {note}")
    return "\n".join(lines)


@motion_app.command("analyze")
def analyze_command(
    recording: Annotated[
        str, typer.Argument(metavar="RECORDING", help="CSV, Parquet, .cwa or .bin recording.")
    ],
    format: Annotated[
        str, typer.Option("--format", help="Reader: auto, csv, parquet, cwa, bin, cloudupdrs.")
    ] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="Leave out the per-window rows.")
    ] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", metavar="OUT.png", help="Also draw a figure.")
    ] = None,
) -> None:
    """Tremor report of one recording: presence, share of time, frequency, amplitude, TSI."""
    check_option("format", format, FORMATS)
    report = analyze(recording, format=format)
    if plot is not None:
        from dystonia.motion.plot import plot_report

        plot_report(report, plot)
    if as_json:
        print_json(report.to_dict(include_windows=not summary))
    else:
        typer.echo(format_report(report))
        if plot is not None:
            typer.echo(f"figure      {plot}")


def _parse_pairs(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, item in enumerate(pairs):
        label, sep, path = item.partition("=")
        if not sep or not label or not path:
            raise InvalidInputError(
                f"LABEL=FILE[{i}]", item, reason=f"{item!r} is not of the form LABEL=FILE"
            )
        if label in out:
            raise InvalidInputError(f"LABEL=FILE[{i}]", label, reason=f"label {label!r} repeated")
        out[label] = path
    return out


def format_comparison(result: CompareReport) -> str:
    """Plain-text table of a comparison."""
    header = f"{'task':<20} {'tremor':>7} {'time %':>7} {'freq Hz':>8} {'amplitude':>14} {'TSI Hz':>7} {'dir':>5}"
    lines = [header, "-" * len(header)]
    for label, summ in result.summaries.items():
        tr = summ["tremor"]
        amp = tr["amplitude"]
        frac = tr["fraction_of_time"]
        lines.append(
            f"{label:<20} {'yes' if tr['present'] else 'no':>7}"
            f" {_fmt(None if frac is None else 100 * frac, '.1f'):>7}"
            f" {_fmt(tr['peak_frequency_hz'], '.2f'):>8}"
            f" {_fmt(amp['value'], '.3g', amp['unit']):>14}"
            f" {_fmt(tr['tsi_hz'], '.2f'):>7} {_fmt(tr['directionality'], '.2f'):>5}"
        )
    for name, diff in {**result.pairs}.items():
        lines.append("")
        lines.append(
            f"{name}: time share {_fmt(diff['fraction_of_time'], '+.2f')},"
            f" amplitude {_fmt(diff['amplitude'], '+.3g')}, TSI {_fmt(diff['tsi_hz'], '+.2f')} Hz"
        )
    return "\n".join(lines)


@motion_app.command("compare")
def compare_command(
    pairs: Annotated[
        list[str],
        typer.Argument(
            metavar="LABEL=FILE...",
            help="One recording per task, e.g. rest=rest.csv walking_forward=fw.csv.",
        ),
    ],
    format: Annotated[str, typer.Option("--format", help="Reader for all files.")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Compare tremor between tasks (e.g. walking forward vs backward, rest vs writing)."""
    check_option("format", format, FORMATS)
    segments = _parse_pairs(pairs)
    result = compare(segments, format=format)
    if as_json:
        print_json(result.to_dict())
    else:
        typer.echo(format_comparison(result))

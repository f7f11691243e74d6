"""``dystonia score`` and ``dystonia scales``: the rating-scale commands.

A thin shell over :mod:`dystonia.scales`: read the file, call the pure core, print. Every bad
input surfaces as a :class:`dystonia.exceptions.DystoniaError`, which
:func:`dystonia.cli.main` prints as one line with exit code 2.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from dystonia.cli import app
from dystonia.cli._output import print_json
from dystonia.scales import RatingScale, ScaleResult, get_scale, list_scales
from dystonia.scales.base import tidy_number
from dystonia.validation import load_mapping_file

__all__ = ["scales_command", "score_command"]


def _console() -> Console:
    # markup off: source notes contain brackets such as "[unverified]"
    return Console(markup=False, highlight=False, soft_wrap=False)


@app.command("score")
def score_command(
    scale: Annotated[str, typer.Argument(help="Scale name; `dystonia scales` lists them.")],
    items_file: Annotated[
        str,
        typer.Argument(metavar="ITEMS", help="JSON or YAML file: a mapping of item id to rating."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    version: Annotated[
        str | None,
        typer.Option(
            "--version",
            help="Scale version whose maxima apply, e.g. brashear_1999 for TWSTRS 0-87.",
        ),
    ] = None,
) -> None:
    """Score a completed rating scale: total, maximum, subscores and the validated items."""
    rating_scale = get_scale(scale)
    items = load_mapping_file(items_file)
    result = rating_scale.score(items, version=version)
    if as_json:
        print_json(result.to_dict())
    else:
        _print_result(rating_scale, result)


@app.command("scales")
def scales_command(
    scale: Annotated[
        str | None, typer.Argument(help="Show only this scale (default: all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the rating scales with their items, ranges, maxima and licence status."""
    names = [scale] if scale is not None else list_scales()
    descriptions = [get_scale(name).describe() for name in names]
    if as_json:
        print_json(descriptions)
        return
    console = _console()
    for description in descriptions:
        _print_description(console, description)


def _number(value: float | None) -> str:
    return "n/a" if value is None else str(tidy_number(value))


def _print_result(rating_scale: RatingScale, result: ScaleResult) -> None:
    console = _console()
    console.print(f"{rating_scale.title}")
    console.print(f"scale {result.scale}, version {result.version}")
    items = Table("item", "rating", title="Items", title_justify="left")
    for item_id, value in result.items.items():
        items.add_row(item_id, _number(value))
    console.print(items)
    if result.subscores:
        subs = Table("subscore", "value", "max", title="Subscores", title_justify="left")
        for name, sub in result.subscores.items():
            subs.add_row(name, _number(sub.value), _number(sub.max))
        console.print(subs)
    console.print(f"Total: {_number(result.total)} / {_number(result.max)}")


def _print_description(console: Console, description: dict[str, Any]) -> None:
    versions = ", ".join(f"{vid} (max {v['max']})" for vid, v in description["versions"].items())
    licence = description["licence"]
    shipped = "item text shipped" if licence["item_text_shipped"] else "item text not shipped"
    console.print(f"{description['name']}: {description['title']}")
    console.print(f"  max {description['max']}; versions: {versions}")
    console.print(f"  licence: {licence['status']} ({shipped})")
    table = Table("item", "allowed", "subscale")
    for item in description["items"]:
        table.add_row(item["id"], item["allowed"], item["subscale"] or "")
    console.print(table)

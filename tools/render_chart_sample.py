"""Render sample trajectory charts of a fictional patient, to look at them.

    python tools/render_chart_sample.py [--years 10] [--out /tmp/trajectory.svg] [--png]

Writes the SVG (and, with ``--png``, a screenshot made with Debian's Chromium next to it) for a
fictional patient with cervical dystonia: TWSTRS every three months, botulinum toxin about every
13 weeks (a product switch half way), and a daily diary whose severity rises as each cycle wears
off. ``--narrow`` draws it 360 px wide, as on a phone; ``--scales 2`` adds a second scale.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import math
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType


def _charts() -> ModuleType:
    try:
        from dystonia.web import charts

        return charts
    except ImportError:  # dystonia.web not a package yet: load the module from its file
        path = Path(__file__).resolve().parents[1] / "src/dystonia/web/charts.py"
        spec = importlib.util.spec_from_file_location("dystonia_web_charts", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module


def sample_data(years: float, n_scales: int, seed: int = 7) -> tuple[list, list, list]:
    """Scores, toxin sessions and diary of a fictional patient over ``years`` years."""
    c = _charts()
    rng = random.Random(seed)
    start = datetime.date(2025, 6, 30) - datetime.timedelta(days=round(years * 365.25))
    end = start + datetime.timedelta(days=round(years * 365.25))
    toxin = []
    day = start + datetime.timedelta(days=10)
    while day <= end:
        product = "onabotulinumtoxinA" if day < start + (end - start) / 2 else "abobotulinumtoxinA"
        units = (
            rng.choice([180, 200, 220])
            if product == "onabotulinumtoxinA"
            else rng.choice([500, 750])
        )
        toxin.append(c.ToxinMark(day=day, product=product, total_units=units))
        day += datetime.timedelta(days=rng.choice([84, 91, 91, 98, 112, 70]))
    session_days = [t.day for t in toxin]

    def severity(d: datetime.date) -> float:
        previous = max((s for s in session_days if s <= d), default=None)
        years_in = (d - start).days / 365.25
        base = 6.5 - 1.8 * (1 - math.exp(-years_in))
        if previous is None:
            return base
        weeks = (d - previous).days / 7
        effect = 3.2 * math.exp(-(((weeks - 5) / 5.5) ** 2)) if weeks < 16 else 0.0
        return base - effect

    diary = []
    d = start
    while d <= end:
        if rng.random() > 0.08:  # some days missed
            s = min(10.0, max(0.0, round(severity(d) + rng.gauss(0, 0.9))))
            p = min(10.0, max(0.0, round(severity(d) * 0.7 + rng.gauss(0, 1.0))))
            diary.append(c.DiaryPoint(day=d, severity_0_10=s, pain_0_10=p))
        d += datetime.timedelta(days=1)
    scores = []
    d = start + datetime.timedelta(days=3)
    while d <= end:
        total = min(85.0, max(0.0, round(severity(d) * 6.0 + rng.gauss(0, 2.5))))
        scores.append(c.ScorePoint(d, "twstrs", total, 85.0, "TWSTRS total"))
        if n_scales > 1:
            tsui = min(25.0, max(0.0, round(severity(d) * 1.6 + rng.gauss(0, 1.2))))
            scores.append(c.ScorePoint(d, "tsui", tsui, 25.0, "Tsui score"))
        d += datetime.timedelta(days=rng.choice([84, 91, 98]))
    return scores, toxin, diary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--scales", type=int, default=1, choices=[1, 2])
    parser.add_argument("--narrow", action="store_true", help="360 px wide, as on a phone")
    parser.add_argument("--out", type=Path, default=Path("/tmp/trajectory.svg"))
    parser.add_argument("--png", action="store_true", help="also screenshot it with Chromium")
    args = parser.parse_args()
    c = _charts()
    scores, toxin, diary = sample_data(args.years, args.scales)
    width = 360 if args.narrow else 900
    began = time.perf_counter()
    svg = c.trajectory_svg(
        scores=scores, toxin=toxin, diary=diary, width_px=width, title="Trajectory (fictional)"
    )
    elapsed_ms = (time.perf_counter() - began) * 1e3
    args.out.write_text(svg, encoding="utf-8")
    print(
        f"{args.out}: {len(svg) / 1024:.0f} KiB, {len(scores)} scores, {len(toxin)} sessions, "
        f"{len(diary)} diary days, drawn in {elapsed_ms:.1f} ms"
    )
    if args.png:
        chromium = shutil.which("chromium")
        if chromium is None:
            print("chromium not found: no PNG", file=sys.stderr)
            return 1
        height = int(float(svg.split('height="', 1)[1].split('"', 1)[0])) + 20
        png = args.out.with_suffix(".png")
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--screenshot={png}",
                f"--window-size={width + 16},{height}",
                args.out.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        print(png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

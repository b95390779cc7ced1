"""Benchmark the PDF fact sheet: import time, the cold first render, then warm renders of one profile.

Run from the checkout: `.venv/bin/python bench/bench_factsheet.py [-n 20] [--paper letter] [profile.yaml]`.
A script, not a test: timings depend on the machine and its load, so nothing here asserts on
them. Wall time is what a user waits; CPU time (process_time) is steadier on a busy machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from dossier.document import Document
from dossier.formats.pdf.fit import FONT_STEPS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Timer:
    """Wall and CPU seconds of one block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f} ms"


def warm_renders(pdf, document, options, runs: int) -> tuple[list[float], list[float], list[float]]:
    """Wall and CPU seconds of `runs` full renders, and the type sizes (layouts) each needed."""
    walls, cpus, layouts = [], [], []
    original = pdf.largest_fitting

    def counting(steps, attempt, estimate=None):
        count = 0

        def counted(step):
            nonlocal count
            count += 1
            return attempt(step)

        try:
            return original(steps, counted, estimate)
        finally:
            layouts.append(count)

    pdf.largest_fitting = counting
    try:
        for _ in range(runs):
            with Timer() as timer:
                pdf.render(document, options).data
            walls.append(timer.wall)
            cpus.append(timer.cpu)
    finally:
        pdf.largest_fitting = original
    return walls, cpus, layouts


def phases(pdf, document, options, runs: int) -> dict[str, list[float]]:
    """CPU seconds of each phase of one layout at full size: context, template, layout, PDF writing."""
    from dossier.templating import render_template, template_folders

    weasyprint = pdf.load_weasyprint()
    env = document.env
    folders = template_folders(env)
    samples: dict[str, list[float]] = {"context": [], "template": [], "layout": [], "write_pdf": []}
    for _ in range(runs):
        with Timer() as t_context:
            context = pdf.template_context(Document(document.profile, env), options.paper)  # context built anew
        with Timer() as t_template:
            html = render_template(env, pdf.TEMPLATE, {**context, "font_size": FONT_STEPS[0]})
            stylesheet = pdf._stylesheet(weasyprint, render_template(env, pdf.STYLESHEET, context), folders)
        fetcher = pdf.make_fetcher(folders)
        with Timer() as t_layout:
            laid_out = pdf._layout(weasyprint, html, folders, fetcher, [stylesheet])
        with Timer() as t_write:
            pdf._write_pdf(laid_out)
        for name, timer in (("context", t_context), ("template", t_template), ("layout", t_layout),
                            ("write_pdf", t_write)):
            samples[name].append(timer.cpu)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", nargs="?", default=str(ROOT / "content" / "bigscience.yaml"))
    parser.add_argument("-n", "--runs", type=int, default=20, help="warm renders to time (default: 20)")
    parser.add_argument("--paper", default="a4", choices=["a4", "letter"])
    args = parser.parse_args()

    with Timer() as t_dossier:
        from dossier.content import load_profile
        from dossier.formats import RenderOptions
        from dossier.formats.pdf import factsheet as pdf
        from dossier.templating import make_environment
    with Timer() as t_weasyprint:
        pdf.load_weasyprint()
    document = Document(load_profile(args.profile), make_environment())
    options = RenderOptions(paper=args.paper)
    with Timer() as t_cold:
        data = pdf.render(document, options).data

    walls, cpus, layouts = warm_renders(pdf, document, options, args.runs)
    split = phases(pdf, document, options, max(5, args.runs // 2))

    print(f"profile              {args.profile} ({args.paper}, {len(data) / 1024:.0f} KiB PDF, "
          f"{statistics.mode(layouts)} layout(s) per render)")
    print(f"import dossier       {t_dossier.wall * 1000:7.1f} ms  (content, formats, templating; no WeasyPrint)")
    print(f"import weasyprint    {t_weasyprint.wall * 1000:7.1f} ms")
    print(f"first render (cold)  {t_cold.wall * 1000:7.1f} ms wall")
    print(f"warm render          {median_ms(walls)} wall, {median_ms(cpus)} CPU: median of {args.runs} "
          f"(wall min {min(walls) * 1000:.1f}, max {max(walls) * 1000:.1f})")
    for name, values in split.items():
        print(f"  {name:<18} {median_ms(values)} CPU median")


if __name__ == "__main__":
    main()

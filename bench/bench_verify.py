"""Verification against the profile's size: profiles of 1,000 to 8,000 facts, each output read back.

    .venv/bin/python bench/bench_verify.py [--sizes 1000,2000,4000,8000] [--runs 3]

The profiles are generated and fictional ("Many Facts Lab"): every fact is listed once in the report,
in a table of facts and in a bullet list, so an output's text grows with the number of facts. The fact
sheet cannot hold thousands of figures (it is one page), so the Word report and the Markdown are built,
in this process, and verification (reading each file back and finding every fact in it) is timed alone,
best of --runs. Linear time doubles with the size and quadratic time quadruples (before the word index
and the per-table cache it grew 3.5–3.8× per doubling); the target is at most 2.5× per doubling (n·log n,
with the caches and the garbage collector of a larger heap) and 8,000 facts verified in under 5 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

TARGETS = {"per_doubling": 2.5, "largest_s": 5.0}


def make_profile(path: Path, facts: int) -> Path:
    lines = ["# FICTIONAL: an imaginary lab with very many figures, made for a benchmark.",
             "slug: many-facts", "name: Many Facts Lab", "description: An imaginary lab with very many figures.",
             "lead: The imaginary lab has [[f0]] of everything.", "language: en", 'as_of: "2025-01"',
             "publisher:", "  name: Example Press", "facts:"]
    for i in range(facts):
        lines += [f"  f{i}:", f"    label: Figure number {i}", f'    value: "{i * 7919 % 100000} units of kind {i}"']
    lines += ["at_a_glance: [f1, f2]", "key_figures: [f0, f3, f4]", "sections:", "  - title: Everything",
              "    blocks:"]
    for start in range(0, facts, 50):
        lines.append("      - list:")
        lines += [f"          - Item {i} has [[f{i}]]." for i in range(start, min(facts, start + 50))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def verify_seconds(path: Path, runs: int) -> dict[str, float]:
    from dossier import pipeline

    config = pipeline.BuildConfig(formats=("docx", "md"))
    document = pipeline.make_document(pipeline.load(path, config, warn=lambda message: None), config)
    best = {}
    for fmt in config.formats:
        data = pipeline.render(document, fmt, config.options).data
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            (check,) = pipeline.verify(document, {fmt: (fmt, data)})
            times.append(time.perf_counter() - started)
            if not check.ok:
                raise SystemExit(f"{fmt}: verification failed: {check.describe()}")
        best[fmt] = min(times)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,4000,8000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as tmp:
        for size in sizes:
            results[size] = verify_seconds(make_profile(Path(tmp) / f"m{size}.yaml", size), args.runs)
    print(f"{'facts':>6}  {'docx s':>7}  {'× prev':>6}  {'md s':>7}  {'× prev':>6}")
    previous = None
    worst = 0.0
    for size in sizes:
        row = results[size]
        ratios = {fmt: row[fmt] / previous[fmt] if previous else None for fmt in row}
        if previous and sizes[sizes.index(size) - 1] * 2 == size:
            worst = max(worst, *ratios.values())
        shown = {fmt: f"{ratio:6.2f}" if ratio else "      " for fmt, ratio in ratios.items()}
        print(f"{size:>6}  {row['docx']:7.3f}  {shown['docx']}  {row['md']:7.3f}  {shown['md']}")
        previous = row
    largest = max(results[sizes[-1]].values())
    print(f"worst growth per doubling: {worst:.2f}× (target ≤ {TARGETS['per_doubling']}); "
          f"{sizes[-1]:,} facts: {largest:.2f} s for the slower output (target ≤ {TARGETS['largest_s']} s)")


if __name__ == "__main__":
    main()

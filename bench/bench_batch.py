"""Batch benchmark: cold single build, N-profile build, no-op and one-change rebuilds, worker memory, pandoc.

    .venv/bin/python bench/bench_batch.py [--profiles 100] [--jobs 2]

Profiles are generated from content/bigscience.yaml with changed names and slugs.
Every build is a fresh `python build.py` process, timed from the outside, so the
figures include interpreter start-up and imports, as a user or a scheduler sees them.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "content" / "bigscience.yaml"
TARGETS = {"full": 8.0, "noop": 0.3, "cold_ratio": 0.75, "worker_mb": 250}


def make_profiles(folder: Path, count: int) -> list[Path]:
    text = SOURCE.read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        body = text.replace("slug: bigscience", f"slug: subject-{i:03d}")
        body = re.sub(r"^name: BigScience$", f"name: BigScience {i:03d}", body, flags=re.M)
        path = folder / f"subject-{i:03d}.yaml"
        path.write_text(body, encoding="utf-8")
        paths.append(path)
    return paths


def run(args: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{result.stderr}")
    return elapsed


def best_of(times: int, args: list[str]) -> float:
    return min(run(args) for _ in range(times))


def build_command(*args: str) -> list[str]:
    return [sys.executable, "build.py", *args, "-q"]


def worker_peak_mb(paths: list[Path], jobs: int) -> float:
    """Peak RSS of a build worker: render profiles in a pool, then ask each worker for its maxrss."""
    from dossier.batch.run import render_profile
    from dossier.pipeline import BuildConfig

    config = BuildConfig()
    with cf.ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(render_profile, map(str, paths), [p.read_bytes() for p in paths], [config] * len(paths)))
        peaks = list(pool.map(_own_peak_kb, range(jobs * 4)))
    return max(peaks) / 1024


def _own_peak_kb(_ignored: int) -> int:
    time.sleep(0.05)  # let every worker take one of these
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def pandoc_seconds(markdown: Path, work: Path) -> float | None:
    """pandoc from our Markdown: to DOCX, and to PDF with its weasyprint engine (two processes)."""
    if shutil.which("pandoc") is None:
        return None
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")

    def once() -> float:
        started = time.perf_counter()
        for target, extra in (("x.docx", []), ("x.pdf", ["--pdf-engine=weasyprint"])):
            subprocess.run(["pandoc", str(markdown), "-o", str(work / target), *extra], check=True,
                           capture_output=True, env=env)
        return time.perf_counter() - started

    return min(once() for _ in range(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as tmp:
        work = Path(tmp)
        paths = make_profiles(work / "content", args.profiles)
        out = work / "out"

        cold = best_of(3, build_command(str(paths[0]), "--out", str(work / "cold"), "--force"))
        full = run(build_command(str(work / "content"), "--out", str(out), "--jobs", str(args.jobs)))
        noop = best_of(5, build_command(str(work / "content"), "--out", str(out)))
        changed = paths[len(paths) // 2]
        changed.write_text(changed.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
        one_changed = run(build_command(str(work / "content"), "--out", str(out), "--jobs", str(args.jobs)))
        peak = worker_peak_mb(paths[:2 * args.jobs], args.jobs)
        pandoc = pandoc_seconds(out / "subject-000" / "subject-000.md", work)

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, jobs={args.jobs}")
    print(f"one profile, cold process, 3 formats + verification: {cold:6.2f} s")
    print(f"{args.profiles} profiles, full build, verification included: {full:6.2f} s   (target ≤ {TARGETS['full']} s)")
    print(f"no-op rebuild of {args.profiles} profiles:                {noop:6.2f} s   (target ≤ {TARGETS['noop']} s)")
    print(f"rebuild after one profile changed:              {one_changed:6.2f} s")
    print(f"peak memory per worker:                         {peak:6.0f} MB  (target ≤ {TARGETS['worker_mb']} MB)")
    if pandoc is None:
        print("pandoc: not installed; no comparison")
    else:
        print(f"pandoc, our Markdown → DOCX + PDF (weasyprint):  {pandoc:6.2f} s; "
              f"ratio dossier cold / pandoc = {cold / pandoc:.2f} (target ≤ {TARGETS['cold_ratio']})")


if __name__ == "__main__":
    main()

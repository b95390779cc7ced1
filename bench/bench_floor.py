"""dossier against its floor (WeasyPrint alone on the same pages) and against a pandoc loop, in one run.

    .venv/bin/python bench/bench_floor.py [--profiles 100] [--jobs 2] [--pandoc-profiles 100]

1. dossier: a fresh `python build.py` process builds N profiles (generated from
   content/bigscience.yaml: new slugs and names) in three formats with verification, with
   --keep-html (each fact sheet's laid-out HTML is written beside it) and --timings (its
   table is printed as it comes).
2. The floor: the same number of worker processes, warmed (WeasyPrint imported, fonts and
   the theme's stylesheet loaded, one page laid out), lay out and write those same HTML
   files to PDF, tagged (pdf/ua-1) as dossier writes them, with the stylesheet parsed once
   per worker as dossier does: what no fact sheet can cost less than.
3. What a team would script instead: pandoc per profile on the Markdown dossier wrote,
   to DOCX, and to PDF with pandoc's weasyprint engine, the same number of jobs at a time.

Wall times are what a user waits; CPU times are summed over all processes (steadier on a
busy machine). Nothing here is a test: figures depend on the machine and its load.
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

from bench_batch import make_profiles  # the same generated profiles (bench/ is this script's folder)

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"floor_ratio": 1.35, "pandoc_ratio": 0.1}
STYLE = re.compile(r"<style data-dossier-stylesheet>\n(.*?)</style>\n", re.S)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_dossier(content: Path, out: Path, jobs: int) -> tuple[float, float, str]:
    """(wall, CPU of the build and its workers, the --timings table) of one fresh build process."""
    cpu_before, started = children_cpu(), time.perf_counter()
    result = subprocess.run([sys.executable, "build.py", str(content), "--out", str(out), "--jobs", str(jobs),
                             "--keep-html", "--timings", "-q"], cwd=ROOT, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu_before
    if result.returncode != 0:
        sys.exit(f"dossier build failed:\n{result.stderr}")
    return wall, cpu, result.stdout.strip()


# -- The floor: WeasyPrint alone ------------------------------------------------------------------

_worker: dict = {}


def _floor_init(theme_folder: str) -> None:
    """Warm a worker: WeasyPrint, one FontConfiguration, the stylesheets parsed once (as dossier does)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    _worker.update(weasyprint=weasyprint, fonts=FontConfiguration(), sheets={},
                   base=Path(theme_folder).as_uri() + "/")


def _floor_page(path: str) -> float:
    """Lay out and write one kept HTML file as dossier's fact sheet is written; the CPU seconds spent."""
    weasyprint, fonts, sheets = _worker["weasyprint"], _worker["fonts"], _worker["sheets"]
    started = time.process_time()
    text = Path(path).read_text(encoding="utf-8")
    stylesheets = []
    for css in STYLE.findall(text):
        if css not in sheets:
            sheets[css] = weasyprint.CSS(string=css.replace("<\\/", "</"), base_url=_worker["base"],
                                         font_config=fonts)
        stylesheets.append(sheets[css])
    html = STYLE.sub("", text)
    document = weasyprint.HTML(string=html, base_url=_worker["base"]).render(font_config=fonts,
                                                                            stylesheets=stylesheets)
    document.write_pdf(pdf_variant="pdf/ua-1")
    return time.process_time() - started


def run_floor(pages: list[Path], jobs: int) -> tuple[float, float]:
    """(wall, CPU) of laying out and writing every page on `jobs` warm workers (warm-up not counted)."""
    from dossier.templating import default_theme_folder

    with cf.ProcessPoolExecutor(max_workers=jobs, initializer=_floor_init,
                                initargs=(str(default_theme_folder()),)) as pool:
        list(pool.map(_floor_page, [str(pages[0])] * (2 * jobs)))  # warm every worker: fonts, first layout
        started = time.perf_counter()
        cpu = sum(pool.map(_floor_page, map(str, pages)))
        wall = time.perf_counter() - started
    return wall, cpu


# -- What a team would script: pandoc per profile -------------------------------------------------

def run_pandoc(markdowns: list[Path], work: Path, jobs: int) -> tuple[float, float] | None:
    if shutil.which("pandoc") is None:
        return None
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")

    def one(markdown: Path) -> None:
        for suffix, extra in ((".docx", []), (".pdf", ["--pdf-engine=weasyprint"])):
            subprocess.run(["pandoc", str(markdown), "-o", str(work / (markdown.stem + suffix)), *extra],
                           check=True, capture_output=True, env=env, cwd=markdown.parent)

    cpu_before, started = children_cpu(), time.perf_counter()
    with cf.ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, markdowns))
    return time.perf_counter() - started, children_cpu() - cpu_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--pandoc-profiles", type=int, default=None,
                        help="run pandoc on this many of the profiles and scale to all (default: all)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    with tempfile.TemporaryDirectory(prefix="dossier-floor-") as tmp:
        work = Path(tmp)
        paths = make_profiles(work / "content", args.profiles)
        out = work / "out"
        wall, cpu, table = run_dossier(work / "content", out, args.jobs)
        pages = sorted(out.glob("*/*-factsheet.html"))
        assert len(pages) == len(paths), "every profile's HTML is kept"
        floor_wall, floor_cpu = run_floor(pages, args.jobs)
        markdowns = sorted(out.glob("*/*.md"))[: args.pandoc_profiles or len(paths)]
        (work / "pandoc").mkdir()
        pandoc = run_pandoc(markdowns, work / "pandoc", args.jobs)

    n = args.profiles
    print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; {n} profiles; "
          f"{args.jobs} worker processes")
    print(table)
    print()
    print(f"{'':52} {'wall s':>8} {'CPU s':>8} {'CPU ms/profile':>15}")
    print(f"{'dossier: 3 formats + verification (fresh process)':52} {wall:8.2f} {cpu:8.2f} {cpu / n * 1000:15.1f}")
    print(f"{'floor: WeasyPrint alone, same pages (warm workers)':52} {floor_wall:8.2f} {floor_cpu:8.2f} "
          f"{floor_cpu / n * 1000:15.1f}")
    print(f"ratio dossier / floor: wall {wall / floor_wall:.2f}, CPU {cpu / floor_cpu:.2f} "
          f"(target ≤ {TARGETS['floor_ratio']})")
    if pandoc is None:
        print("pandoc: not installed; no comparison")
        return
    scale = n / len(markdowns)
    pandoc_wall, pandoc_cpu = pandoc[0] * scale, pandoc[1] * scale
    note = "" if scale == 1 else f" (measured on {len(markdowns)}, scaled ×{scale:.1f})"
    print(f"{'pandoc loop: .md → .docx and → .pdf (weasyprint)':52} {pandoc_wall:8.2f} {pandoc_cpu:8.2f} "
          f"{pandoc_cpu / n * 1000:15.1f}{note}")
    print(f"ratio dossier / pandoc loop: wall {wall / pandoc_wall:.2f}, CPU {cpu / pandoc_cpu:.2f} "
          f"(target ≤ {TARGETS['pandoc_ratio']})")


if __name__ == "__main__":
    main()

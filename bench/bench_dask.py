"""Dask benchmark: N profiles built on a distributed.LocalCluster of 1, 2 and 4 worker processes.

    .venv/bin/python bench/bench_dask.py [--profiles 100] [--workers 1,2,4] [--format pdf,docx,md]

Each build runs in a fresh Python process (the coordinator), which calls
dossier.build(..., executor=client.get_executor()) against a LocalCluster on loopback whose
workers have one thread each, as `dossier build --dask-scheduler` does. For comparison, the
same build on dossier's own process pool (`--jobs` = the same count), also in a fresh process.
Times are the build call alone, from the coordinator's side: the cluster is started before
(its start is shown apart); each cluster's first build is "cold" (its workers import dossier,
WeasyPrint and python-docx during it, as a pool's workers do), the second, with --force on the
same cluster, "warm". Profiles: the Aurora fixture with their own slug and name (fictional).

It also measures what travels: the pickled unit of work (content, theme, reference document,
brand) and the pickled result sent back (every output's bytes).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]  # this tree's dossier, here and in the workers
from bench_scale import make_profiles

CHILD = """\
import json, sys, time
import dossier
address, content, out, formats, jobs, force = json.loads(sys.argv[1])
client = executor = None
if address:
    from distributed import Client
    client = Client(address, timeout="30s")
    executor = client.get_executor()
started = time.perf_counter()
results = dossier.build([content], out=out, formats=tuple(formats), jobs=jobs, force=force, executor=executor)
elapsed = time.perf_counter() - started
if client is not None:
    client.close()
print(json.dumps({"seconds": elapsed, "statuses": sorted({r.status for r in results}),
                  "errors": [r.error for r in results if r.error][:3]}))
"""


def coordinate(address: str | None, content: Path, out: Path, formats: list[str], jobs: int, force: bool) -> float:
    """One build in a fresh coordinator process; the build call's wall time."""
    payload = json.dumps([address, str(content), str(out), formats, jobs, force])
    result = subprocess.run([sys.executable, "-c", CHILD, payload], check=False, cwd=ROOT, capture_output=True, text=True)
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        sys.exit(f"build failed ({result.returncode}):\n{result.stderr[-3000:]}")
    report = json.loads(lines[-1])
    if report["statuses"] != ["built"]:
        sys.exit(f"build did not build every profile: {report}")
    return report["seconds"]


@contextlib.contextmanager
def local_cluster(workers: int, folder: Path):
    from distributed import LocalCluster

    started = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, local_directory=str(folder)) as cluster:
        yield cluster, time.perf_counter() - started


def payload_sizes(content: Path, formats: list[str]) -> tuple[int, int, int, int, int]:
    """(content bytes, pickled unit, pickled BuildConfig alone, pickled result, pickled BuildConfig with
    --templates and --reference-docx) for one profile."""
    from dossier.batch.run import render_profile
    from dossier.options import resolve
    from dossier.pipeline import BuildConfig
    from dossier.templating import default_theme_folder

    source = min(content.glob("*.yaml"))
    data = source.read_bytes()
    config = BuildConfig.from_settings(resolve([("bench", {"formats": tuple(formats)})]))
    unit = pickle.dumps((render_profile, str(source), data, config))
    result = render_profile(str(source), data, config)
    # With --templates (a copy of the whole default theme) and --reference-docx, those files travel too.
    theme = default_theme_folder()
    themed = BuildConfig.from_settings(resolve([("bench", {"formats": tuple(formats), "templates": str(theme),
                                                           "reference_docx": str(theme / "reference.docx")})]))
    return len(data), len(unit), len(pickle.dumps(config)), len(pickle.dumps(result)), len(pickle.dumps(themed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100)
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker-process counts")
    parser.add_argument("--format", default="pdf,docx,md")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    formats = args.format.split(",")

    rows = []
    with tempfile.TemporaryDirectory(prefix="dossier-dask-") as tmp:
        work = Path(tmp)
        content = work / "content"
        make_profiles(content, args.profiles)
        sizes = payload_sizes(content, formats)
        for count in counts:
            out = work / f"pool-{count}"
            pool = coordinate(None, content, out, formats, count, False)
            shutil.rmtree(out)
            print(f"  pool, {count} worker(s): {pool:.2f} s", file=sys.stderr, flush=True)
            folder = work / f"dask-{count}"
            folder.mkdir()
            with local_cluster(count, folder) as (cluster, start):
                out = work / f"dask-out-{count}"
                cold = coordinate(cluster.scheduler_address, content, out, formats, count, False)
                warm = coordinate(cluster.scheduler_address, content, out, formats, count, True)
                shutil.rmtree(out)
            print(f"  dask, {count} worker(s): start {start:.2f} s, cold {cold:.2f} s, warm {warm:.2f} s",
                  file=sys.stderr, flush=True)
            rows.append((count, pool, start, cold, warm))

    cores = os.cpu_count()
    n = args.profiles
    print(f"machine: {cores} cores, Python {sys.version.split()[0]}; {n} profiles, --format {','.join(formats)}")
    print(f"THIS MACHINE HAS {cores} CORES: with more worker processes than cores, the workers share the cores; "
          "the figures past that count show the overhead of more workers, not a cluster's speed-up.")
    print()
    print("| worker processes | own process pool (`--jobs`) | Dask: cluster start | Dask: first build (cold workers) "
          "| Dask: second build (warm, --force) | profiles/s: pool / Dask cold / Dask warm |")
    print("| ---: | ---: | ---: | ---: | ---: | --- |")
    for count, pool, start, cold, warm in rows:
        print(f"| {count} | {pool:.2f} s | {start:.2f} s | {cold:.2f} s | {warm:.2f} s "
              f"| {n / pool:.1f} / {n / cold:.1f} / {n / warm:.1f} |")
    print("(`--jobs 1` renders in the coordinator's own process, without a pool.)")
    print()
    data, unit, config, result, themed = sizes
    print(f"per profile, pickled: the unit of work {unit / 1024:.1f} KB (content {data / 1024:.1f} KB; "
          f"BuildConfig {config / 1024:.1f} KB with the default theme; {themed / 1024:.1f} KB with --templates "
          f"(the default theme's files) and --reference-docx); "
          f"the result sent back {result / 1024:.1f} KB (every output's bytes)")


if __name__ == "__main__":
    main()

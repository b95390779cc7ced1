"""Scale benchmark: the batch machinery at 100, 1,000 and 10,000 profiles, with --format md.

    .venv/bin/python bench/bench_scale.py [--sizes 100,1000,10000] [--jobs 2]

The Markdown report is cheap to render, so what shows is the machinery around it: finding
the content files, planning against the manifest, slug claims, the journal, writing files
and the manifest, progress output. Profiles are generated from the Aurora fixture
(tests/fixtures/aurora/aurora.yaml, fictional), with their own slug and name.

For each size: a full build, a no-op rebuild (best of 3) and a rebuild after 10 profiles
changed. Every build is a fresh `python build.py` process (progress output on, to a pipe,
as in CI), timed from the outside.

Memory, and how it is measured:
  - coordinator: the build process's own peak RSS, getrusage(RUSAGE_SELF).ru_maxrss, read
    in an atexit hook of a three-line wrapper that runs build.py (exact). Not
    /usr/bin/time %M: on Linux that is the maximum over the process *and* the children it
    reaped, so it would report a worker when a worker is the larger.
  - workers: each worker's VmHWM (its peak RSS, as the kernel keeps it), read from
    /proc/<pid>/status every 20 ms while the build runs (sampled: growth in the last 20 ms
    of a worker's life would be missed); and, exact, getrusage(RUSAGE_CHILDREN).ru_maxrss
    in the coordinator at exit: the largest peak of any child it reaped (workers forked by
    the coordinator itself; not those of a fork server, which are its children).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "fixtures" / "aurora" / "aurora.yaml"
CHANGED = 10
TARGETS = {"per_profile_ratio": 1.2, "noop_10000": 1.5, "memory_ratio": 1.2}

# Runs build.py as `python build.py` would, and reports the process's own peak RSS and that of the
# largest child it reaped, last thing before it exits (workers end with os._exit: they never run it).
WRAPPER = """\
import atexit, resource, runpy, sys
atexit.register(lambda: sys.stderr.write("\\nBENCH-RSS %d %d\\n" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)))
sys.argv = ["build.py", *sys.argv[1:]]
runpy.run_path("build.py", run_name="__main__")
"""


def make_profiles(folder: Path, count: int) -> list[Path]:
    """`count` fictional profiles: the Aurora fixture with slug a-NNNNN and name "Aurora Lab NNNNN"."""
    text = SOURCE.read_text(encoding="utf-8")
    head, found, tail = text.partition("\nslug: aurora\nname: Aurora Lab\n")
    assert found, "the fixture changed: its slug and name lines were not found"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"a-{i:05d}.yaml"
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(f"{head}\nslug: a-{i:05d}\nname: Aurora Lab {i:05d}\n{tail}")
        paths.append(path)
    return paths


def change(paths: list[Path], count: int) -> None:
    """Edit `count` profiles spread over the batch (their names change, so their outputs do too)."""
    step = max(len(paths) // count, 1)
    for path in paths[::step][:count]:
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^name: (.*)$", r"name: \1 (edited)", text, count=1, flags=re.MULTILINE), encoding="utf-8")


class WorkerWatch(threading.Thread):
    """Every 20 ms, the VmHWM (peak RSS so far) of each process below `pid`, kept per process.

    Descendants, not only children: a pool started through a fork server has its workers below
    that server. Multiprocessing's helpers (the fork server, the resource tracker) are not workers.
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peaks, self.stopped = pid, {}, threading.Event()

    def run(self) -> None:
        helpers: set[int] = set()
        while not self.stopped.wait(0.02):
            for child, parent in self._descendants():
                if child in helpers:
                    continue
                # Asked at each look: a fork server carries the coordinator's command line until it execs.
                if parent == self.pid and _is_helper(child):
                    helpers.add(child)
                    self.peaks.pop(child, None)
                    continue
                try:
                    with open(f"/proc/{child}/status", encoding="ascii") as stream:
                        for line in stream:
                            if line.startswith("VmHWM:"):
                                kb = int(line.split()[1])
                                self.peaks[child] = max(self.peaks.get(child, 0), kb)
                                break
                except OSError:  # it ended between the listing and the read
                    pass

    def _descendants(self) -> list[tuple[int, int]]:
        found, queue = [], [self.pid]
        while queue:
            parent = queue.pop()
            try:
                for task in os.listdir(f"/proc/{parent}/task"):
                    with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as stream:
                        children = [int(pid) for pid in stream.read().split()]
                    found += [(child, parent) for child in children]
                    queue += children
            except OSError:
                pass
        return found


def _is_helper(pid: int) -> bool:
    """A fork server or resource tracker started by the coordinator (a fork server's workers, forked
    from it, carry its command line too: only the coordinator's own children are asked)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as stream:
            command = stream.read()
    except OSError:
        return False
    return b"forkserver" in command or b"resource_tracker" in command


class Run:
    def __init__(self, seconds: float, stdout: str, coordinator_kb: int, children_kb: int, workers_kb: dict):
        self.seconds, self.stdout = seconds, stdout
        self.coordinator_kb, self.children_kb, self.workers_kb = coordinator_kb, children_kb, workers_kb

    @property
    def summary(self) -> str:
        return self.stdout.strip().splitlines()[-1] if self.stdout.strip() else ""


def build(content: Path, out: Path, jobs: int) -> Run:
    args = [sys.executable, "-c", WRAPPER, str(content), "--out", str(out), "--format", "md", "--jobs", str(jobs)]
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = WorkerWatch(process.pid)
    watch.start()
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    watch.stopped.set()
    watch.join()
    found = re.search(r"^BENCH-RSS (\d+) (\d+)$", stderr, flags=re.MULTILINE)
    rest = re.sub(r"\n?BENCH-RSS \d+ \d+\n", "", stderr)
    if process.returncode != 0 or not found:
        sys.exit(f"failed ({process.returncode}): {' '.join(args[:1] + args[3:])}\n{rest[-3000:]}")
    return Run(elapsed, stdout, int(found[1]), int(found[2]), dict(watch.peaks))


def expect(run: Run, built: int, skipped: int) -> None:
    wanted = f"built {built}, skipped {skipped}, failed 0"
    if not run.summary.startswith(wanted):
        sys.exit(f"expected {wanted!r}, got {run.summary!r}")


def mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated profile counts")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--keep", metavar="FOLDER", help="work in FOLDER and keep it (default: a temporary folder)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    with tempfile.TemporaryDirectory(prefix="dossier-scale-") as tmp:
        work = Path(args.keep or tmp)
        one = build_one(work, args.jobs)
        rows = []
        for size in sizes:
            started = time.perf_counter()
            paths = make_profiles(work / f"content-{size}", size)
            generated = time.perf_counter() - started
            out = work / f"out-{size}"
            full = build(work / f"content-{size}", out, args.jobs)
            expect(full, size, 0)
            noops = [build(work / f"content-{size}", out, args.jobs) for _ in range(3)]
            for noop in noops:
                expect(noop, 0, size)
            change(paths, CHANGED)
            changed = build(work / f"content-{size}", out, args.jobs)
            expect(changed, min(CHANGED, size), size - min(CHANGED, size))
            noop = min(noops, key=lambda run: run.seconds)
            rows.append((size, generated, full, noop, changed))
            print(f"  {size} profiles: generated in {generated:.2f} s, full {full.seconds:.2f} s, "
                  f"no-op {noop.seconds:.2f} s, {CHANGED} changed {changed.seconds:.2f} s", file=sys.stderr, flush=True)

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; --format md, --jobs {args.jobs}; "
          "each build a fresh `python build.py` process, progress output to a pipe")
    print(f"one profile, full build (process start, imports; rendered in-process): {one.seconds:.2f} s")
    print()
    print("| profiles | full build | per profile | marginal per profile | no-op rebuild (best of 3) "
          f"| {CHANGED} changed | coordinator peak RSS (full / no-op / {CHANGED} changed) "
          "| worker peak RSS, each (sampled VmHWM) | largest reaped child (exact) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |")
    for size, _generated, full, noop, changed in rows:
        workers = ", ".join(mb(kb) for kb in sorted(full.workers_kb.values())) or "none (one job: in-process)"
        marginal = (full.seconds - one.seconds) / (size - 1) if size > 1 else float("nan")
        print(f"| {size:,} | {full.seconds:.2f} s | {1000 * full.seconds / size:.2f} ms | {1000 * marginal:.2f} ms "
              f"| {noop.seconds:.2f} s | {changed.seconds:.2f} s "
              f"| {mb(full.coordinator_kb)} / {mb(noop.coordinator_kb)} / {mb(changed.coordinator_kb)} "
              f"| {workers} | {mb(full.children_kb) if full.children_kb else 'none'} |")
    print()
    print("per profile = full build / profiles; marginal = (full build - one-profile build) / (profiles - 1),")
    print("the fixed cost of a build (interpreter start, imports, starting the workers) taken out.")
    print()

    small, large = rows[0], rows[-1]
    verdicts = []
    ratio = (large[2].seconds / large[0]) / (small[2].seconds / small[0])
    marginal_ratio = (((large[2].seconds - one.seconds) / (large[0] - 1))
                      / ((small[2].seconds - one.seconds) / (small[0] - 1)))
    verdicts.append((f"time per profile at {large[0]:,} / at {small[0]:,}", f"{ratio:.2f}",
                     f"≤ {TARGETS['per_profile_ratio']}", ratio <= TARGETS["per_profile_ratio"]))
    verdicts.append((f"  (marginal time per profile, the same ratio: {marginal_ratio:.2f}; information)", "", "", None))
    if large[0] >= 10_000:
        verdicts.append((f"no-op rebuild of {large[0]:,}", f"{large[3].seconds:.2f} s",
                         f"≤ {TARGETS['noop_10000']} s", large[3].seconds <= TARGETS["noop_10000"]))
    coordinator = max(r.coordinator_kb for r in large[2:]) / max(r.coordinator_kb for r in small[2:])
    verdicts.append((f"coordinator peak RSS at {large[0]:,} / at {small[0]:,}", f"{coordinator:.2f}",
                     f"≤ {TARGETS['memory_ratio']} (flat)", coordinator <= TARGETS["memory_ratio"]))
    worker_small = max(small[2].workers_kb.values(), default=0)
    worker_large = max(large[2].workers_kb.values(), default=0)
    if worker_small and worker_large:
        worker = worker_large / worker_small
        verdicts.append((f"worker peak RSS at {large[0]:,} / at {small[0]:,}", f"{worker:.2f}",
                         f"≤ {TARGETS['memory_ratio']} (flat)", worker <= TARGETS["memory_ratio"]))
    for name, figure, target, passed in verdicts:
        verdict = "" if passed is None else ("PASS" if passed else "FAIL")
        print(f"{name:<48} {figure:>8}   {target:<16} {verdict}")


def build_one(work: Path, jobs: int) -> Run:
    content = work / "content-1"
    make_profiles(content, 1)
    runs = [build(content, work / f"out-1-{i}", jobs) for i in range(3)]
    return min(runs, key=lambda run: run.seconds)


if __name__ == "__main__":
    main()

"""Running the work: render and verify profiles on any executor, in this process, a pool or a Dask cluster.

A unit of work is (source name, content bytes, BuildConfig): everything a worker needs
travels with it (the user's theme files and reference document included), so workers
on other machines need nothing but dossier installed. Workers render and verify in
memory and send the bytes back in a WorkerResult; they write nothing.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import gc
import logging
import multiprocessing
import os
import signal
import tempfile
import threading
import traceback
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Iterator

from ..errors import DossierError, EnvironmentProblem
from ..formats import FORMATS
from ..pipeline import BuildConfig, Stopwatch, build_profile
from ..templating import ThemeLimitExceeded


@dataclass(frozen=True)
class WorkerResult:
    """What a worker sends back for one profile (or some of its formats)."""

    slug: str | None = None
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # format → (file name, bytes)
    checks: tuple = ()  # verify.OutputCheck, one per format
    warnings: tuple[str, ...] = ()
    error: str | None = None  # one or more lines, as printed after "error: "
    exit_code: int = 0
    # Files written beside the outputs (the Markdown's pictures and logo, the kept HTML): name → bytes.
    companions: dict[str, bytes] = field(default_factory=dict)
    # A template was stopped at its limits in the process that rendered it: replace that process.
    recycle: bool = False
    timings: dict[str, tuple[float, float]] = field(default_factory=dict)  # stage → (wall, CPU) seconds

    @property
    def failed(self) -> bool:
        return self.error is not None


def render_profile(source: str, content: bytes, config: BuildConfig) -> WorkerResult:
    """Worker side: the pipeline for one profile (pipeline.build_profile), all in memory; never raises.

    With `config.timings`, each stage's wall and CPU time is in the result's `timings`."""
    warnings: list[str] = []
    clock = Stopwatch(config.timings)
    try:
        with collect_warnings(warnings):
            built = build_profile(source, content, config, warn=logging.getLogger("dossier").warning, clock=clock)
    except ThemeLimitExceeded as exc:
        gc.collect()  # what the runaway template made; the pool replaces this worker too
        return WorkerResult(error=exc.message, exit_code=exc.exit_code, warnings=tuple(warnings), recycle=True)
    except DossierError as exc:
        return WorkerResult(error=exc.message, exit_code=exc.exit_code, warnings=tuple(warnings))
    except Exception:
        return WorkerResult(error=f"{source}: unexpected error:\n" + traceback.format_exc(), exit_code=1,
                            warnings=tuple(warnings))
    return WorkerResult(built.slug, built.files, built.checks, tuple(warnings), companions=built.companions,
                        timings=clock.times)


# Workers are forked where the system can (a caller's script needs no `if __name__ == "__main__":` guard,
# as it would to spawn them), and forked early: see start_pool. Elsewhere (Windows), Python's default.
_FORK = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
WINDOW = 4  # units in flight per worker: enough to keep every worker busy, few enough to keep memory flat
MAX_BREAKS = 2  # a unit in flight when the pool broke this often is reported, not tried again


def pool_size(jobs: int | None, profiles: int) -> int:
    """Worker processes for `profiles` profiles: --jobs (default: the cores), but no more than there is work
    for, which is two units a profile at most (its fact sheet, and its other formats)."""
    return max(1, min(jobs or os.cpu_count() or 1, 2 * profiles))


def start_pool(jobs: int | None, profiles: int):
    """A process pool for a build of `profiles` profiles, its workers forked now; None if the build
    will render in this process (one worker, one profile).

    Called before the build reads its manifest and content: a worker forked later would carry the
    coordinator's heap at that time (the manifest, the results so far, the content waiting to be
    rendered), which grew workers from 41 MB at 100 profiles to 97 MB at 10,000. Forked first, they
    stay at their own size. A build with nothing to do stops them unused (a few milliseconds)."""
    workers = pool_size(jobs, profiles)
    if workers == 1 or profiles < 2:
        return None
    pool = cf.ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, mp_context=_FORK)
    pool.submit(int)  # a fork pool starts every worker at its first task
    return pool


def stop_pool(pool) -> None:
    """Stop a pool from start_pool that the build did not use (execute stops one it used)."""
    if pool is not None:
        _stop(pool, dict(getattr(pool, "_processes", None) or {}), kill=False)


def execute(pending, config: BuildConfig, executor, jobs, warn=logging.getLogger("dossier").warning,
            pool=None) -> Iterator[tuple[tuple, WorkerResult]]:
    """Yield (task, result) as each profile completes, on the executor given or a process pool of our own
    (`pool`, from start_pool, if the caller started one; execute stops it when it is done with it).

    `pending` holds (source path, content bytes, keys, formats to build) tasks. At most WINDOW
    units per worker are submitted at a time, so a batch of any size holds few in memory.
    """
    if not pending:
        return
    workers = pool_size(jobs, len(pending)) if executor is None else (jobs or os.cpu_count() or 1)
    units = _units(pending, config, workers if executor is None else 0)
    if executor is None and (workers == 1 or len(units) == 1):
        for task in pending:
            yield task, render_profile(str(task[0]), task[1], replace(config, formats=task[3]))
        return
    expected = collections.Counter(index for index, _task, _unit in units)
    parts: dict[int, list[WorkerResult]] = {}
    results = (_on_own_pool(units, min(workers, len(units)), warn, pool) if executor is None
               else _on_executor(executor, units, WINDOW * max(workers, 2)))
    for (index, task, _unit), result in results:
        parts.setdefault(index, []).append(result)
        if len(parts[index]) == expected[index]:
            yield task, _merge(parts.pop(index), task[3])


def _on_executor(executor, units, window: int):
    """Run units on a caller's executor (threads, a Dask cluster): (unit, result) as each ends.

    render_profile never raises, so a future that fails tells of the executor, not the
    profile: a cancelled one means the executor itself is gone (a Dask scheduler that
    died cancels every task), and the build stops at once with one message instead of
    waiting on work that will never run.
    """
    queue, running = collections.deque(units), {}
    try:
        while queue or running:
            while queue and len(running) < window:
                unit = queue.popleft()
                index, task, unit_config = unit
                running[executor.submit(render_profile, str(task[0]), task[1], unit_config)] = unit
            done, _pending = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                unit = running.pop(future)
                if future.cancelled():
                    left = len({u[0] for u in list(running.values()) + list(queue)} | {unit[0]})
                    raise EnvironmentProblem(
                        f"the executor cancelled the work (a Dask scheduler that stopped does this); "
                        f"{left} profile(s) not built; what was built is kept")
                error = future.exception()
                if error is not None:
                    yield unit, WorkerResult(error=f"{unit[1][0]}: the executor could not run it: "
                                                   f"{type(error).__name__}: {error}", exit_code=1)
                else:
                    yield unit, future.result()
    finally:
        for future in running:
            future.cancel()


def _on_own_pool(units, workers: int, warn, first_pool=None):
    """Run units on process pools of our own: (unit, result) as each ends, whatever happens to a worker.

    A worker that dies (the out-of-memory killer, a kill -9) breaks the pool: the unit it was
    rendering is reported, the others in flight go to a new pool, and the build goes on.
    A result that asks for it (a template stopped at its limits) retires the pool once the units in
    flight are done: the rest go to fresh workers. Workers die with this process, and an interrupt
    kills them at once.
    """
    queue = collections.deque(units)
    breaks: collections.Counter = collections.Counter()
    with tempfile.TemporaryDirectory(prefix="dossier-workers-") as markers:
        while queue:
            pool, first_pool = first_pool or cf.ProcessPoolExecutor(
                max_workers=workers, initializer=_worker_init, mp_context=_FORK), None
            running: dict = {}
            processes: dict = {}  # our own references: the broken pool may drop its own before we look
            broken = retiring = False
            try:
                while ((queue and not retiring) or running) and not broken:
                    while queue and not retiring and len(running) < WINDOW * workers:
                        unit = queue.popleft()
                        index, task, unit_config = unit
                        running[pool.submit(_render_unit, markers, str(task[0]), task[1], unit_config)] = unit
                        processes.update(getattr(pool, "_processes", None) or {})
                    done, _pending = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                    for future in done:
                        unit = running.pop(future)
                        try:
                            result = future.result()
                        except BrokenProcessPool:
                            broken = True
                            running[future] = unit
                            continue
                        except Exception:
                            result = _result_of(future)
                        retiring = retiring or result.recycle
                        yield unit, result
                if broken:
                    killed, unattributed = _killed_units(processes, markers)
                    for message in unattributed:
                        warn(message)
                    for future, unit in running.items():
                        if future.done() and not future.cancelled() and not future.exception():
                            yield unit, future.result()
                            continue
                        how = killed.get(str(unit[1][0]))
                        if not killed:  # no worker to blame: each unit in flight is a suspect
                            breaks[unit[0], unit[2].formats] += 1
                        if how or breaks[unit[0], unit[2].formats] >= MAX_BREAKS:
                            yield unit, WorkerResult(
                                error=f"{unit[1][0]}: {how or 'a worker process died while rendering it'}; "
                                      "nothing of it was written", exit_code=1)
                        else:
                            queue.appendleft(unit)
            finally:
                _stop(pool, processes, kill=broken or bool(running))


def _render_unit(markers: str, source: str, content: bytes, config: BuildConfig) -> WorkerResult:
    """Worker side: render one unit, leaving a note of what this process renders while it does."""
    note = os.path.join(markers, str(os.getpid()))
    with open(note, "w", encoding="utf-8") as stream:
        stream.write(source)
    try:
        return render_profile(source, content, config)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(note)


def _killed_units(processes: dict, markers: str) -> tuple[dict[str, str], list[str]]:
    """How the workers that died on their own (not stopped by the broken pool) died:
    ({source it was rendering: how}, [how, for those that were between two units])."""
    rendering, between = {}, []
    for pid, process in list(processes.items()):
        code = process.exitcode
        if code is None or code == -signal.SIGTERM:  # alive, or stopped by the broken pool itself
            continue
        if code < 0:
            name = signal.Signals(-code).name
            how = f"killed by {name}" + (" (likely out of memory)" if -code == signal.SIGKILL else "")
        else:
            how = f"exited with code {code}"
        try:
            with open(os.path.join(markers, str(pid)), encoding="utf-8") as stream:
                rendering[stream.read()] = f"the worker process rendering it was {how}"
        except OSError:
            between.append(f"a worker process was {how} between two profiles; the work in flight was done again")
    return rendering, between


def _stop(pool, known: dict, kill: bool) -> None:
    """Shut a pool down; with `kill`, end its workers at once instead of waiting for their work."""
    processes = list({**known, **(getattr(pool, "_processes", None) or {})}.values())
    if kill:
        for process in processes:
            with contextlib.suppress(Exception):
                process.kill()
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(timeout=5)
        # A worker killed while it was sending a result leaves half a message in the result pipe, and the
        # pool's manager thread waits for the rest for ever: the interpreter then never exits (it joins
        # that thread), which held an interrupted build past its promise, about one time in a hundred.
        # The workers being dead, this process holds the pipe's last write end: closing it ends that
        # wait (EOF), and the thread finds the pool broken and stops. (shutdown() forgets the queue.)
        with contextlib.suppress(Exception):
            pool._result_queue._writer.close()
    pool.shutdown(wait=not kill, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)


def _units(pending, config: BuildConfig, workers: int) -> list[tuple[int, tuple, BuildConfig]]:
    """(profile index, task, config) per unit of work: a profile, or part of its formats.

    With fewer profiles than workers, a profile's fact sheet (the slow part) renders in
    one worker while its other formats render in another.
    """
    units = []
    for index, task in enumerate(pending):
        formats = task[3]
        groups = [formats]
        if len(pending) < workers and len(formats) > 1:
            slow = tuple(fmt for fmt in formats if FORMATS[fmt].slow)
            rest = tuple(fmt for fmt in formats if fmt not in slow)
            groups = [group for group in (slow, rest) if group]
        units.extend((index, task, replace(config, formats=group)) for group in groups)
    return units


def _merge(parts: list[WorkerResult], order: tuple[str, ...]) -> WorkerResult:
    """One profile's result from the results of its parts (formats in the requested order)."""
    warnings = tuple(dict.fromkeys(w for part in parts for w in part.warnings))
    failed = [part for part in parts if part.failed]
    if failed:
        return replace(failed[0], warnings=warnings)
    checks = sorted((check for part in parts for check in part.checks), key=lambda check: order.index(check.format))
    files = {fmt: file for part in parts for fmt, file in part.files.items()}
    companions = {name: data for part in parts for name, data in part.companions.items()}
    timings: dict[str, tuple[float, float]] = {}
    for part in parts:
        for stage, (wall, cpu) in part.timings.items():
            before = timings.get(stage, (0.0, 0.0))
            timings[stage] = (before[0] + wall, before[1] + cpu)
    return WorkerResult(parts[0].slug, {fmt: files[fmt] for fmt in order}, tuple(checks), warnings,
                        companions=companions, timings=timings)


def _result_of(future) -> WorkerResult:
    try:
        return future.result()
    except Exception:  # a worker crashed or the task could not be sent back
        return WorkerResult(error="unexpected failure in a worker:\n" + traceback.format_exc(), exit_code=1)


def _worker_init() -> None:
    # Ctrl-C goes to the whole process group: the coordinator alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A worker must not outlive the coordinator (a kill -9 of the build would orphan it).
    with contextlib.suppress(Exception):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the coordinator died before the line above took effect
            os._exit(1)


_sink = threading.local()  # per thread: the warnings list of the profile it is rendering


class _WarningSink(logging.Handler):
    """One handler on the 'dossier' logger: each warning goes to the profile its thread renders."""

    def emit(self, record):
        messages = getattr(_sink, "messages", None)
        if messages is not None:
            messages.append(record.getMessage())
        elif not logging.getLogger().handlers:
            logging.lastResort.handle(record)  # as if this handler were not there


@contextlib.contextmanager
def collect_warnings(into: list[str]):
    """Gather the warnings logged on the 'dossier' logger by this thread while it renders one profile."""
    logger = logging.getLogger("dossier")
    if not any(isinstance(handler, _WarningSink) for handler in logger.handlers):
        logger.addHandler(_WarningSink(level=logging.WARNING))
    previous = getattr(_sink, "messages", None)
    _sink.messages = into
    try:
        yield
    finally:
        _sink.messages = previous

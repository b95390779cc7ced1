"""Running the work: render and verify profiles on any executor, in this process, a pool or a Dask cluster.

A unit of work is (source name, content bytes, BuildConfig): everything a worker needs
travels with it (the user's theme files and reference document included), so workers
on other machines need nothing but dossier installed. Workers render and verify in
memory and send the bytes back in a WorkerResult; they write nothing.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import os
import signal
import threading
import traceback
from dataclasses import dataclass, field, replace
from typing import Iterator

from ..errors import DossierError
from ..formats import FORMATS, RenderOptions, output_name
from .plan import BuildConfig


@dataclass(frozen=True)
class WorkerResult:
    """What a worker sends back for one profile (or some of its formats)."""

    slug: str | None = None
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # format → (file name, bytes)
    checks: tuple = ()  # verify.OutputCheck, one per format
    warnings: tuple[str, ...] = ()
    error: str | None = None  # one or more lines, as printed after "error: "
    exit_code: int = 0

    @property
    def failed(self) -> bool:
        return self.error is not None


def render_profile(source: str, content: bytes, config: BuildConfig) -> WorkerResult:
    """Worker side: load, build the Document once, render every format and verify, all in memory."""
    from ..content import load_profile
    from ..document import Document
    from ..templating import environment_for
    from ..verify import check_outputs

    warnings: list[str] = []
    try:
        with collect_warnings(warnings):
            profile = load_profile(source, strict=config.strict, data=content,
                                   warn=logging.getLogger("dossier").warning)
            document = Document(profile, environment_for(config.theme))
            options = RenderOptions(paper=config.paper, strict=config.strict, reference_docx=config.reference_docx)
            files = {fmt: (output_name(fmt, profile.slug), FORMATS[fmt].writer().render(document, options))
                     for fmt in config.formats}
            checks = check_outputs(document, files)
    except DossierError as exc:
        return WorkerResult(error=exc.message, exit_code=exc.exit_code, warnings=tuple(warnings))
    except Exception:
        return WorkerResult(error=f"{source}: unexpected error:\n" + traceback.format_exc(), exit_code=1,
                            warnings=tuple(warnings))
    return WorkerResult(profile.slug, files, tuple(checks), tuple(warnings))


def execute(pending, config: BuildConfig, executor, jobs) -> Iterator[tuple[tuple, WorkerResult]]:
    """Yield (task, result) as each profile completes, on the executor given or one we make.

    `pending` holds (source path, content bytes, keys, formats to build) tasks.
    """
    if not pending:
        return
    workers = jobs or os.cpu_count() or 1
    units = _units(pending, config, workers if executor is None else 0)
    if executor is None and (workers == 1 or len(units) == 1):
        for task in pending:
            yield task, render_profile(str(task[0]), task[1], replace(config, formats=task[3]))
        return
    own = executor is None
    if own:
        executor = cf.ProcessPoolExecutor(max_workers=min(workers, len(units)), initializer=_worker_init)
    futures = {executor.submit(render_profile, str(task[0]), task[1], unit): (index, task)
               for index, task, unit in units}
    expected = {index: sum(1 for i, _t, _u in units if i == index) for index, _t, _u in units}
    parts: dict[int, list[WorkerResult]] = {}
    try:
        for future in cf.as_completed(futures):
            index, task = futures[future]
            parts.setdefault(index, []).append(_result_of(future))
            if len(parts[index]) == expected[index]:
                yield task, _merge(parts.pop(index), task[3])
    finally:
        for future in futures:
            future.cancel()
        if own:
            executor.shutdown(wait=True, cancel_futures=True)


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
    return WorkerResult(parts[0].slug, {fmt: files[fmt] for fmt in order}, tuple(checks), warnings)


def _result_of(future) -> WorkerResult:
    try:
        return future.result()
    except Exception:  # a worker crashed or the task could not be sent back
        return WorkerResult(error="unexpected failure in a worker:\n" + traceback.format_exc(), exit_code=1)


def _worker_init() -> None:
    # Ctrl-C goes to the whole process group: the coordinator alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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

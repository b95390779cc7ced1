"""Command line: arguments, progress, exit codes; nothing else."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from . import __version__
from .errors import EXIT_CODES, DossierError

EPILOG = "exit codes:\n" + "\n".join(f"  {code}  {text}" for code, text in sorted(EXIT_CODES.items()))


def parse_args(argv: list[str] | None):
    parser = argparse.ArgumentParser(
        prog="dossier",
        description="Build each content YAML into a PDF fact sheet, a Word report and Markdown, "
                    "and verify that every output carries every fact.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", default=["content"],
                        help="content files or folders of *.yaml (default: content/)")
    parser.add_argument("--format", default="pdf,docx,md", metavar="LIST",
                        help="comma-separated formats to build: pdf, docx, md (default: all)")
    parser.add_argument("--out", default="output", metavar="DIR", help="output folder (default: output/)")
    parser.add_argument("--templates", metavar="DIR",
                        help="a folder whose files override the default theme, file by file")
    parser.add_argument("--reference-docx", metavar="FILE",
                        help="take the Word report's styles, page setup, header and footer from FILE "
                             "(default: templates/reference.docx)")
    parser.add_argument("--paper", default="a4", choices=["a4", "letter"], help="fact sheet paper (default: a4)")
    parser.add_argument("-j", "--jobs", type=int, metavar="N",
                        help=f"worker processes (default: the number of cores, {os.cpu_count()})")
    parser.add_argument("--force", action="store_true", help="rebuild profiles whose outputs are up to date")
    parser.add_argument("--dask-scheduler", metavar="ADDRESS",
                        help="run the build on a Dask distributed cluster (needs dossier[dask])")
    parser.add_argument("--check", action="store_true",
                        help="verify existing outputs against the content without building")
    parser.add_argument("--strict", action="store_true",
                        help="treat warnings (unknown keys, missing glyphs) as errors")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("--version", action="version", version=f"dossier {__version__}")
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops as cleanly as Ctrl-C
    try:
        return _run(args)
    except DossierError as exc:
        _print_error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted; outputs already written are complete, none is partial", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _run(args) -> int:
    # The batch module loads the heavy parts only when something must be rendered.
    from . import batch
    from .formats import parse_formats

    formats = parse_formats(args.format)
    sources = batch.find_profiles(args.paths)
    report = Report(len(sources), quiet=args.quiet, checking=args.check)
    if args.check:
        results = batch.check(sources, formats=formats, out=args.out, strict=args.strict,
                              on_result=report.result)
    else:
        with _executor(args.dask_scheduler) as executor:
            results = batch.build(sources, formats=formats, out=args.out, jobs=args.jobs,
                                  templates=args.templates, reference_docx=args.reference_docx,
                                  paper=args.paper, strict=args.strict, force=args.force,
                                  executor=executor, on_result=report.result)
    report.summary(results)
    failed = [r for r in results if not r.ok]
    return (failed[0].exit_code or 6) if failed else 0  # 6: verification failed


class _executor:
    """A Dask cluster's executor when an address is given; None (dossier's own) otherwise."""

    def __init__(self, address: str | None):
        self.address = address
        self.client = None

    def __enter__(self):
        if not self.address:
            return None
        try:
            from distributed import Client
        except ImportError:
            from .errors import UsageError

            raise UsageError("--dask-scheduler needs Dask: pip install 'dossier[dask]'") from None
        try:
            self.client = Client(self.address, timeout="10s")
        except ValueError as exc:
            from .errors import UsageError

            raise UsageError(f"--dask-scheduler: {self.address!r} is not a scheduler address ({exc})") from None
        except OSError as exc:
            from .errors import EnvironmentProblem

            raise EnvironmentProblem(f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
        return self.client.get_executor()

    def __exit__(self, *exc_info):
        if self.client is not None:
            self.client.close()


class Report:
    """Progress while the build runs: a bar on a terminal, one line per profile otherwise."""

    def __init__(self, total: int, quiet: bool, checking: bool):
        self.total = total
        self.quiet = quiet
        self.checking = checking
        self.tty = sys.stderr.isatty() and not quiet
        self.started = time.perf_counter()
        self.done = 0

    def result(self, result) -> None:
        self.done += 1
        self._clear_bar()
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr, flush=True)
        if result.error:
            _print_error(result.error)
        elif not self.quiet and not self.tty:
            self._line(result)
        if self.tty:
            self._draw_bar(result)

    def _line(self, result) -> None:
        if result.status == "skipped":
            print(f"skipped: {result.source} (unchanged)", flush=True)
            return
        for check in result.checks:
            state = "ok" if check.ok else "FAILED"
            print(f"{state}: {result.outputs[check.format]}: {check.describe().split(': ', 1)[1]}", flush=True)

    def _draw_bar(self, result) -> None:
        width = 30
        filled = width * self.done // max(self.total, 1)
        label = f"{self.done}/{self.total} {os.path.basename(result.source)}"
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {label[:60]}", end="", file=sys.stderr, flush=True)

    def _clear_bar(self) -> None:
        if self.tty:
            print("\r" + " " * 100 + "\r", end="", file=sys.stderr, flush=True)

    def summary(self, results) -> None:
        self._clear_bar()
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.started
        counts = {status: sum(1 for r in results if r.status == status and r.ok)
                  for status in ("built", "skipped", "checked")}
        failed = sum(1 for r in results if not r.ok)
        if self.checking:
            print(f"checked {counts['checked']}, failed {failed}, in {elapsed:.2f} s", flush=True)
        else:
            print(f"built {counts['built']}, skipped {counts['skipped']}, failed {failed}, in {elapsed:.2f} s",
                  flush=True)


def _print_error(message: str) -> None:
    for line in message.splitlines():
        print(f"error: {line}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())

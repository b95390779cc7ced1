"""What a build shows while it runs and when it ends: a bar or one line per output, warnings, errors, the summary."""

from __future__ import annotations

import os
import sys
import time


def exit_code(results) -> int:
    failed = [r for r in results if not r.ok]
    return (failed[0].exit_code or 6) if failed else 0  # 6: verification failed


class Report:
    """Progress while the build runs: a bar on a terminal, one line per profile otherwise."""

    def __init__(self, total: int, quiet: bool, checking: bool, show_skipped: bool = True):
        self.total = total
        self.quiet = quiet
        self.checking = checking
        self.show_skipped = show_skipped
        self.tty = sys.stderr.isatty() and not quiet
        self.started = time.perf_counter()
        self.done = 0

    def warning(self, message: str) -> None:
        """A warning about the build as a whole (a manifest it could not read, a worker that died)."""
        self._clear_bar()
        print(f"warning: {message}", file=sys.stderr, flush=True)

    def result(self, result) -> None:
        self.done += 1
        self._clear_bar()
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr, flush=True)
        if result.error:
            print_error(result.error)
        elif not self.quiet and not self.tty:
            self._line(result)
        if self.tty:
            self._draw_bar(result)

    def _line(self, result) -> None:
        if result.status == "skipped":
            if self.show_skipped:
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


def print_error(message: str) -> None:
    for line in message.splitlines():
        print(f"error: {line}", file=sys.stderr, flush=True)

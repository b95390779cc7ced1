"""What a build shows while it runs and when it ends: a bar or one line per output, warnings, errors, the summary."""

from __future__ import annotations

import os
import sys
import time


def exit_code(results) -> int:
    failed = [r for r in results if not r.ok]
    return (failed[0].exit_code or 6) if failed else 0  # 6: verification failed


class Progress:
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


def seconds_since_start() -> float | None:
    """How long this process has been running (Linux: /proc), for its start-up and imports; else None."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat, open("/proc/uptime", encoding="ascii") as uptime:
            started = int(stat.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
            return float(uptime.read().split()[0]) - started
    except (OSError, ValueError, IndexError):
        return None


def print_timings(times: dict[str, tuple[float, float]], profiles: int, elapsed: float,
                  startup: float | None) -> None:
    """The --timings table: each stage's wall and CPU seconds summed over the batch, per profile, share."""
    rows = dict(times)
    if startup is not None:
        rows = {"coordinator: process start and imports": (startup, startup), **rows}
    total_cpu = sum(cpu for _wall, cpu in rows.values()) or 1.0
    per = max(profiles, 1)
    print(f"\ntimings: {profiles} profiles built in {elapsed:.2f} s wall; stages summed over the batch "
          "(workers run side by side, so their wall times add up to more than the build's)", flush=True)
    print(f"{'stage':48} {'wall s':>8} {'CPU s':>8} {'CPU ms/profile':>15} {'CPU share':>10}", flush=True)
    for stage, (wall, cpu) in rows.items():
        print(f"{stage:48} {wall:8.2f} {cpu:8.2f} {cpu / per * 1000:15.1f} {cpu / total_cpu:10.1%}", flush=True)
    print(f"{'total':48} {sum(w for w, _ in rows.values()):8.2f} {total_cpu:8.2f} "
          f"{total_cpu / per * 1000:15.1f} {1:10.1%}", flush=True)


def print_error(message: str) -> None:
    for line in message.splitlines():
        print(f"error: {line}", file=sys.stderr, flush=True)

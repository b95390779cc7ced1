"""Command line: commands, their flags (made from options.OPTIONS), progress and exit codes; nothing else."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from ._meta import __version__
from .errors import EXIT_CODES, DossierError, UsageError
from .options import OPTIONS
from .progress import Progress, exit_code, print_error, print_timings, seconds_since_start

EPILOG = "exit codes:\n" + "\n".join(f"  {code:>3}  {text}" for code, text in sorted(EXIT_CODES.items()))  # build
COMMANDS = {
    "build": "build content files into the output folder (the default command)",
    "check": "verify outputs already built against their content; build nothing",
    "new": "write a commented starter profile, content/SLUG.yaml (and dossier.toml if there is none)",
    "schema": "print the content JSON Schema, or write it with -o FILE, for YAML editors",
    "watch": "rebuild what changed whenever content, a template or a reference document is saved",
    "config": "print the effective settings and where each came from",
    "review": "compare a Word report an editor sent back with the report its content makes now",
    "redline": "write the new edition's Word report with what changed since the old one as tracked changes",
}
# The options a review or a redline takes besides its own: those that decide the Word report a build makes.
REPORT_OPTIONS = ("templates", "reference_docx", "brand", "strict", "time_limit", "memory_limit")


class _Parser(argparse.ArgumentParser):
    """A command's parser whose epilog may be a function, called when help is shown: the review's exit codes
    come from the review's own table, which `dossier --help` need not import."""

    def format_help(self) -> str:
        if callable(self.epilog):
            self.epilog = self.epilog()
        return super().format_help()


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dossier",
        description="Build each content YAML into a PDF fact sheet, a Word report and Markdown, "
                    "and verify that every output carries every fact. Without a command, `build`.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"dossier {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser,
                                     title="commands (dossier COMMAND --help for each)")
    for name, help_text in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
                                  epilog=lambda name=name: epilog(name),
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        _add_options(sub, name)
    return parser


def _add_options(parser: argparse.ArgumentParser, command: str) -> None:
    """The command's flags, each from its one declaration in options.OPTIONS."""
    if command == "new":
        parser.add_argument("slug", metavar="SLUG", help="the new profile's slug: lower-case letters, digits, hyphens")
        parser.add_argument("--content", metavar="DIR", default=argparse.SUPPRESS,
                            help="the content folder to write into (default: the project's, else content/)")
        return
    if command == "schema":
        parser.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE instead of printing it")
        return
    if command in ("review", "redline"):
        _add_report_options(parser, command)
        return
    for option in OPTIONS.values():
        if command == "config" or command in option.commands:
            _add_option(parser, option, command)
    if command == "build":
        parser.add_argument("--check", action="store_true", help="the same as `dossier check`")


def _add_option(parser, option, command: str) -> None:
    help_text = option.help
    if option.choices:
        help_text += f" ({', '.join(option.choices)})"
    if option.default not in (None, False, ()):
        shown = ",".join(option.default) if isinstance(option.default, tuple) else option.default
        help_text += f"; default: {shown}"
    if option.in_project:
        help_text += f" [project file: {option.name}]"
    if option.name == "content":
        parser.add_argument("content", nargs="*", metavar="PATHS", default=argparse.SUPPRESS, help=help_text)
        return
    flags = [option.short, option.cli_flag] if option.short else [option.cli_flag]
    if option.kind == "flag":
        parser.add_argument(*flags, dest=option.name, action="store_true", default=argparse.SUPPRESS, help=help_text)
    else:
        parser.add_argument(*flags, dest=option.name, metavar=option.metavar or "VALUE", default=argparse.SUPPRESS,
                            help=help_text)


def _codes(table: dict[int, str]) -> str:
    return "exit codes:\n" + "\n".join(f"  {code:>3}  {text}" for code, text in sorted(table.items()))


def epilog(command: str | None) -> str:
    """The exit codes under a command's help, from the tables that declare them (errors.EXIT_CODES, and the
    review's own, review.REVIEW_EXIT_CODES)."""
    if command == "review":
        from .review import REVIEW_EXIT_CODES

        return _codes(REVIEW_EXIT_CODES)
    if command == "redline":
        return ("the tracked changes' author is the new edition's publisher name, their date its as_of "
                "(a month: its first day).\n" + _codes({**EXIT_CODES, 0: "success: the redline written and verified"}))
    return EPILOG


def _add_report_options(parser: argparse.ArgumentParser, command: str) -> None:
    if command == "review":
        parser.add_argument("report", metavar="EDITED.docx", help="the Word report as the editor sent it back")
        parser.add_argument("--content", dest="review_content", metavar="FILE",
                            help="the content file it was made from (default: found by the slug in the report's "
                                 "properties, through output/manifest.json or the project's content files)")
        parser.add_argument("--format", dest="review_format", choices=("text", "json", "md"), default="text",
                            help="text for a terminal (the default), json for scripts, md for a report to keep")
        parser.add_argument("-o", "--output", metavar="FILE", help="write the review to FILE instead of printing it")
        parser.add_argument("--out", dest="out", metavar="DIR", default=argparse.SUPPRESS,
                            help="the output folder whose manifest.json names the content file (default: the "
                                 "project's, else output/; the folder the report was built in is looked at too)")
    else:
        parser.add_argument("old", metavar="OLD.yaml", help="the old edition's content file (with --since: the "
                                                            "content file, whose revision REV is the old edition)")
        parser.add_argument("new", metavar="NEW.yaml", nargs="?", help="the new edition's content file")
        parser.add_argument("--since", metavar="REV", help="take the old edition from git: `git show REV:FILE`")
        parser.add_argument("-o", "--output", metavar="FILE.docx", required=True, help="the Word report to write")
    for name in REPORT_OPTIONS:
        _add_option(parser, OPTIONS[name], command)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `dossier`, `dossier content/x.yaml` and `dossier --paper letter` are `dossier build …`.
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "build")
    args = make_parser().parse_args(argv)
    if args.command == "build" and args.check:
        args.command = "check"
    return args


def command_line_values(args: argparse.Namespace) -> dict:
    """The options given on the command line, by name (absent ones fall to the project file and defaults)."""
    values = {name: getattr(args, name) for name in OPTIONS if hasattr(args, name)}
    if not values.get("content", True):
        del values["content"]  # no PATHS given
    return values


def main(argv: list[str] | None = None) -> int:
    previous = signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops as cleanly as Ctrl-C
    for stream in (sys.stdout, sys.stderr):
        # A file name that is not UTF-8 comes from the system with lone surrogates: shown escaped
        # (\udcff), never a UnicodeEncodeError in the middle of a message.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        args = parse_args(argv)
        return RUNNERS[args.command](args)
    except DossierError as exc:
        print_error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted; outputs already written are complete, none is partial", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader stopped reading (`dossier schema | head`): no error of ours, and nothing more can be
        # shown; stdout goes to /dev/null so that the interpreter's last flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE  # what the shell reports for a program stopped by a closed pipe
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def load_settings(args: argparse.Namespace):
    """Defaults < project file < command line; project-file warnings printed once."""
    from .config import effective_settings

    settings, project = effective_settings(command_line_values(args))
    if project is not None and not settings.quiet:
        for warning in project.warnings:
            print(f"warning: {warning}", file=sys.stderr, flush=True)
    return settings, project


def run_build(args) -> int:
    from . import batch  # loads the heavy parts only when something must be rendered

    settings, _project = load_settings(args)
    startup = seconds_since_start() if settings.timings else None
    sources = batch.find_profiles(settings.content)
    progress = Progress(len(sources), quiet=settings.quiet, checking=False)
    timings: dict | None = {} if settings.timings else None
    with _executor(settings.dask_scheduler) as executor:
        results = batch.build(sources, settings=settings, executor=executor, on_result=progress.result,
                              on_warning=progress.warning, timings=timings)
    progress.summary(results)
    if timings is not None:
        print_timings(timings, sum(1 for r in results if r.status == "built"),
                      time.perf_counter() - progress.started, startup)
    return exit_code(results)


def run_check(args) -> int:
    from . import batch

    settings, _project = load_settings(args)
    sources = batch.find_profiles(settings.content)
    progress = Progress(len(sources), quiet=settings.quiet, checking=True)
    results = batch.check(sources, settings=settings, on_result=progress.result)
    progress.summary(results)
    return exit_code(results)


def run_new(args) -> int:
    from .starter import write_starter

    for path in write_starter(args.slug, content=getattr(args, "content", None), cwd=Path.cwd()):
        print(f"wrote {path}")
    return 0


def run_schema(args) -> int:
    from .content import schema_text

    text = schema_text()
    if args.output:
        target = write_output(args.output, text.encode())
        print(f"wrote {target}")
    else:
        sys.stdout.write(text)
    return 0


def run_watch(args) -> int:
    from .watch import watch

    settings, project = load_settings(args)
    return watch(settings, project)


def run_config(args) -> int:
    settings, project = load_settings(args)
    print(f"# project file: {project.path if project else 'none (defaults and the command line only)'}")
    width = max(len(name) for name in settings)
    for name, value in settings.items():
        shown = json.dumps(list(value) if isinstance(value, tuple) else value)
        print(f"{name:<{width}} = {shown:<40} # {settings.origins[name]}")
    return 0


def run_review(args) -> int:
    from .review import review
    from .review.render import FORMATTERS, as_text

    settings, _project = load_settings(args)
    result = review(args.report, settings, content=args.review_content,
                    warn=lambda message: print(f"warning: {message}", file=sys.stderr, flush=True))
    if args.output:
        target = write_output(args.output, FORMATTERS[args.review_format](result).encode())
        print(f"wrote {target}: {result.changes} change{'s' if result.changes != 1 else ''}")
    elif args.review_format == "text":
        sys.stdout.write(as_text(result, colour=sys.stdout.isatty() and "NO_COLOR" not in os.environ))
    else:
        sys.stdout.write(FORMATTERS[args.review_format](result))
    return result.exit_code


def run_redline(args) -> int:
    from .review import redline
    from .review.tracking import old_revision

    settings, _project = load_settings(args)
    def warn(message: str) -> None:
        print(f"warning: {message}", file=sys.stderr, flush=True)

    if args.since:
        if args.new:
            raise UsageError("redline: give either OLD.yaml NEW.yaml, or one content file with --since REV")
        new = Path(args.old)
        old_label, old_data = old_revision(new, args.since)
        old = Path(old_label)
    else:
        if not args.new:
            raise UsageError("redline: give OLD.yaml and NEW.yaml, or one content file with --since REV")
        old, new, old_data, old_label = Path(args.old), Path(args.new), None, None
    for path in ([new] if args.since else [old, new]):
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    data, summary = redline(old, new, settings, old_data=old_data, old_label=old_label, warn=warn)
    target = write_output(args.output, data)
    print(f"wrote {target}: {summary}")
    return 0


def write_output(name: str, data: bytes) -> Path:
    """`-o FILE`: written through the door (files.py), by rename; a link, a pipe or a device named there is
    refused (exit 2), never written through or replaced."""
    from . import files

    target = Path(name)
    try:
        files.write(target.parent, {target.name: data})
    except files.Refused as refused:
        raise UsageError(f"-o {target}: {refused.describe('a file dossier may replace')}") from None
    return target


RUNNERS = {"build": run_build, "check": run_check, "new": run_new, "schema": run_schema, "watch": run_watch,
           "config": run_config, "review": run_review, "redline": run_redline}


QUIET_WHILE_BUILDING = ("distributed.client", "tornado.application")


DASK_CONNECT_S = 10  # what the Dask client is told to wait for the scheduler


def _connect(client_type, address: str):
    """A Dask client connected to `address`, within DASK_CONNECT_S (and a second for the handshake).

    The client's own timeout covers reaching the address, not a scheduler that accepts the connection
    and then says nothing: that one held a build for ever. So the client is made in a thread, and the
    build waits no longer than promised. A scheduler that answers with something other than Dask's
    protocol makes the client fail in any way at all (OverflowError, a decoding error): one line, exit 7.
    """
    import threading

    from .errors import EnvironmentProblem

    outcome: list = []

    def connect():
        try:
            outcome.append(client_type(address, timeout=f"{DASK_CONNECT_S}s"))
        except BaseException as exc:  # noqa: BLE001 -- reported in the build's thread, below
            outcome.append(exc)

    thread = threading.Thread(target=connect, name="dossier-dask-connect", daemon=True)
    thread.start()
    thread.join(DASK_CONNECT_S + 1)
    if not outcome:
        raise EnvironmentProblem(f"the Dask scheduler at {address} did not answer within {DASK_CONNECT_S} s "
                                 "(something accepts the connection there, but speaks no Dask)")
    result = outcome[0]
    if isinstance(result, ValueError):
        raise UsageError(f"--dask-scheduler: {address!r} is not a scheduler address ({result})")
    if isinstance(result, OSError):  # refused, unreachable, timed out (asyncio's TimeoutError is one)
        raise EnvironmentProblem(f"cannot reach the Dask scheduler at {address}: {result}")
    if isinstance(result, BaseException):
        detail = f"{type(result).__name__}: {result}" if str(result) else type(result).__name__
        raise EnvironmentProblem(f"the Dask scheduler at {address} answered with something that is not Dask's "
                                 f"protocol ({detail[:200]})")
    return result


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
            raise UsageError("--dask-scheduler needs Dask: pip install 'dossier[dask]'") from None
        self.client = _connect(Client, self.address)
        # The client logs each failed attempt to reach a scheduler that went away, and Tornado each of its
        # callbacks that fails then, with tracebacks; the build itself reports that, in one line, when the
        # work is cancelled.
        self.quieted = {name: logging.getLogger(name).level for name in QUIET_WHILE_BUILDING}
        for name in self.quieted:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        return self.client.get_executor()

    def __exit__(self, *exc_info):
        if self.client is not None:
            # After a scheduler has gone, closing cancels the client's attempts to reconnect, and Dask logs
            # each with a traceback; the build has already said what happened, in one line.
            logging.disable(logging.ERROR)
            try:
                self.client.close()
            finally:
                logging.disable(logging.NOTSET)
                for name, level in self.quieted.items():
                    logging.getLogger(name).setLevel(level)


if __name__ == "__main__":
    sys.exit(main())

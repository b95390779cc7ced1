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
from .progress import Report, exit_code, print_error, print_timings, seconds_since_start

EPILOG = "exit codes:\n" + "\n".join(f"  {code:>3}  {text}" for code, text in sorted(EXIT_CODES.items()))
COMMANDS = {
    "build": "build content files into the output folder (the default command)",
    "check": "verify outputs already built against their content; build nothing",
    "new": "write a commented starter profile, content/SLUG.yaml (and dossier.toml if there is none)",
    "schema": "print the content JSON Schema, or write it with -o FILE, for YAML editors",
    "watch": "rebuild what changed whenever content, a template or a reference document is saved",
    "config": "print the effective settings and where each came from",
}


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dossier",
        description="Build each content YAML into a PDF fact sheet, a Word report and Markdown, "
                    "and verify that every output carries every fact. Without a command, `build`.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"dossier {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     title="commands (dossier COMMAND --help for each)")
    for name, help_text in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
                                  epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    report = Report(len(sources), quiet=settings.quiet, checking=False)
    timings: dict | None = {} if settings.timings else None
    with _executor(settings.dask_scheduler) as executor:
        results = batch.build(sources, settings=settings, executor=executor, on_result=report.result,
                              on_warning=report.warning, timings=timings)
    report.summary(results)
    if timings is not None:
        print_timings(timings, sum(1 for r in results if r.status == "built"),
                      time.perf_counter() - report.started, startup)
    return exit_code(results)


def run_check(args) -> int:
    from . import batch

    settings, _project = load_settings(args)
    sources = batch.find_profiles(settings.content)
    report = Report(len(sources), quiet=settings.quiet, checking=True)
    results = batch.check(sources, settings=settings, on_result=report.result)
    report.summary(results)
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
        from .batch.store import write_files

        target = Path(args.output)
        write_files(target.parent if str(target.parent) else Path("."), {target.name: text.encode()})
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


RUNNERS = {"build": run_build, "check": run_check, "new": run_new, "schema": run_schema, "watch": run_watch,
           "config": run_config}


QUIET_WHILE_BUILDING = ("distributed.client", "tornado.application")


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
        try:
            self.client = Client(self.address, timeout="10s")
        except ValueError as exc:
            raise UsageError(f"--dask-scheduler: {self.address!r} is not a scheduler address ({exc})") from None
        except OSError as exc:
            from .errors import EnvironmentProblem

            raise EnvironmentProblem(f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
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

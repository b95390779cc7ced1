"""Command line: arguments, logging, exit codes; nothing else."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__
from .errors import EXIT_CODES, ContentError, DossierError, UsageError

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
    parser.add_argument("--check", action="store_true",
                        help="verify existing outputs against the content without building")
    parser.add_argument("--strict", action="store_true", help="treat warnings (unknown keys) as errors")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("--version", action="version", version=f"dossier {__version__}")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    say = (lambda line: None) if args.quiet else (lambda line: print(line, flush=True))

    def warn(line: str) -> None:
        print(f"warning: {line}", file=sys.stderr, flush=True)

    _route_library_warnings(warn)

    try:
        return _run(args, say, warn)
    except DossierError as exc:
        _print_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def _run(args, say, warn) -> int:
    # Heavy modules load here, after argument parsing, so --help and usage errors stay instant.
    from .batch import build_profile, check_profile, find_profiles
    from .formats import RenderOptions, parse_formats
    from .templating import make_environment

    formats = parse_formats(args.format)
    sources = find_profiles(args.paths)
    out = Path(args.out)
    env = None if args.check else make_environment(args.templates)
    reference = Path(args.reference_docx) if args.reference_docx else None
    if reference is not None and not reference.is_file():
        raise UsageError(f"reference document {reference} does not exist")
    options = RenderOptions(paper=args.paper, strict=args.strict, reference_docx=reference)
    started = time.perf_counter()
    failures: list[DossierError] = []
    for source in sources:
        try:
            if args.check:
                result = check_profile(source, formats, out, strict=args.strict, warn=warn)
            else:
                result = build_profile(source, formats, out, env, options, warn=warn)
        except DossierError as exc:
            _print_error(exc)
            failures.append(exc)
            continue
        for check in result.checks:
            say(f"{'ok' if check.ok else 'FAILED'}: {result.outputs[check.format]}: {check.describe().split(': ', 1)[1]}")
        if not result.ok:
            failures.append(_verification_failure(result))
            print(f"error: {source}: verification failed", file=sys.stderr)
    elapsed = time.perf_counter() - started
    verb = "checked" if args.check else "built"
    say(f"{verb} {len(sources) - len(failures)} of {len(sources)} profile(s) in {elapsed:.2f} s"
        + (f"; {len(failures)} failed" if failures else ""))
    return failures[0].exit_code if failures else 0


def _route_library_warnings(warn) -> None:
    """Writers report warnings on the 'dossier' logger; the CLI prints them as 'warning: …'."""
    import logging

    class _Printer(logging.Handler):
        def emit(self, record):
            warn(record.getMessage())

    logger = logging.getLogger("dossier")
    logger.handlers[:] = [_Printer(level=logging.WARNING)]
    logger.setLevel(logging.WARNING)
    logger.propagate = False


def _verification_failure(result):
    from .errors import VerificationError

    return VerificationError(f"{result.source}: verification failed")


def _print_error(exc: DossierError) -> None:
    lines = exc.problems if isinstance(exc, ContentError) else [exc.message]
    for line in lines:
        print(f"error: {line}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())

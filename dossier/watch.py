"""`dossier watch`: rebuild what changed whenever a content file, template or reference document is saved.

Each burst of saves (debounced) runs the same incremental build as `dossier build`: the
manifest skips what is fresh, so only the profiles and formats a change touches are
rebuilt. A failed build is reported and watching goes on; Ctrl-C ends it (exit 130)
with nothing half-written, since every output is written by rename.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import DossierError

DEBOUNCE_MS = 300  # saves closer together than this are one change: editors write files in several steps


def watched_paths(settings, project) -> list[Path]:
    """Content paths, the theme folders, the reference document and the project file."""
    from .templating import default_theme_folder

    paths = [Path(path) for path in settings.content]
    if settings.templates:
        paths.append(Path(settings.templates))
    if settings.reference_docx:
        paths.append(Path(settings.reference_docx))
    if project is not None:
        paths.append(project.path)
    default = default_theme_folder()
    if default.is_dir() and not _inside_site_packages(default):
        paths.append(default)  # a checkout's own templates/: a theme designer edits it
    return [path.resolve() for path in paths if path.exists()]


def _inside_site_packages(path: Path) -> bool:
    return any(part in ("site-packages", "dist-packages") for part in path.parts)


def watch(settings, project, *, stop_event=None, out=sys.stdout) -> int:
    """Build once, then again after each change until interrupted. Returns 0 when `stop_event` is set."""
    from watchfiles import watch as changes_of

    from . import batch
    from .cli import Report, exit_code

    paths = watched_paths(settings, project)
    output = Path(settings.out).resolve()

    def build_now() -> None:
        try:
            sources = batch.find_profiles(settings.content)
            report = Report(len(sources), quiet=settings.quiet, checking=False, show_skipped=False)
            results = batch.build(sources, settings=settings, on_result=report.result)
            report.summary(results)
            code = exit_code(results)
        except DossierError as exc:
            for line in exc.message.splitlines():
                print(f"error: {line}", file=sys.stderr, flush=True)
            code = exc.exit_code
        print(f"watching {len(paths)} path(s) for changes (Ctrl-C to stop); last build exit code {code}",
              file=out, flush=True)

    build_now()
    for batch_of_changes in changes_of(*paths, debounce=DEBOUNCE_MS, step=50, stop_event=stop_event,
                                       watch_filter=lambda _change, name: _relevant(Path(name), output)):
        if not settings.quiet:
            for _change, name in sorted(batch_of_changes, key=lambda item: item[1]):
                print(f"changed: {name}", file=out, flush=True)
        build_now()
    return 0  # stopped by stop_event; Ctrl-C raises KeyboardInterrupt, which the command turns into 130


def _relevant(path: Path, output: Path) -> bool:
    """Not our own outputs, temporary files or editors' backup and swap files."""
    name = path.name
    if path.is_relative_to(output) or name.startswith((".", "#")) or name.endswith(("~", ".tmp", ".swp")):
        return False
    return "__pycache__" not in path.parts

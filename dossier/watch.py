"""`dossier watch`: rebuild what changed whenever a content file, template or reference document is saved.

Each burst of saves (debounced) runs the same incremental build as `dossier build`: the
manifest skips what is fresh, so only the profiles and formats a change touches are
rebuilt. A failed build is reported and watching goes on; Ctrl-C ends it (exit 130)
with nothing half-written, since every output is written by rename. The project file's
settings are read once: a change to it is reported, and takes effect on the next start.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import DossierError, UsageError

DEBOUNCE_MS = 300  # saves closer together than this are one change: editors write files in several steps
QUIET_MS = 50  # a burst of saves is over once nothing has changed for this long
# The watcher reports in this often when nothing changes; the first build waits for its first
# report, so that a save made while that build runs is not missed.
IDLE_MS = 100


@dataclass(frozen=True)
class Targets:
    """What is watched: folders, for the files directly inside them, and single files.

    Everything is watched through folders, non-recursively: an editor that saves by writing
    a new file and renaming it over the old one would leave a watch on the file itself
    pointing at a file that is gone, and a recursive watch of a content file's folder could
    be a whole project tree.
    """

    folders: frozenset[Path]  # any file directly inside counts
    files: frozenset[Path]  # these files alone count (their folders are watched for them)
    output: Path

    @property
    def watched(self) -> list[Path]:
        return sorted(folder for folder in self.folders | {file.parent for file in self.files} if folder.is_dir())

    def relevant(self, path: Path) -> bool:
        """A watched file, or a file of a watched folder; never our outputs, temporary or editor backup files."""
        name = path.name
        if path.is_relative_to(self.output) or name.startswith((".", "#")) or name.endswith(("~", ".tmp", ".swp")):
            return False
        return path in self.files or path.parent in self.folders


def watch_targets(settings, project) -> Targets:
    """The content, the theme folders (with their subfolders), the reference document, the brand file with
    the logo and fonts it names, and the project file."""
    folders: set[Path] = set()
    files: set[Path] = set()
    for raw in settings.content:
        path = Path(raw).resolve()
        (folders if path.is_dir() else files).add(path)
    for theme in _theme_folders(settings):
        folders.add(theme)
        # A theme's files may sit in subfolders (images, fonts); a subfolder made later is seen on the next start.
        folders.update(sub for sub in theme.rglob("*") if sub.is_dir() and not _hidden(sub.relative_to(theme)))
    if settings.reference_docx:
        files.add(Path(settings.reference_docx).resolve())
    if settings.brand:
        from .brand import named_files

        brand = Path(settings.brand).resolve()
        files.add(brand)
        files.update(named_files(brand))
    if project is not None:
        files.add(project.path.resolve())
    return Targets(frozenset(folders), frozenset(files), Path(settings.out).resolve())


def _theme_folders(settings) -> list[Path]:
    from .templating import default_theme_folder

    folders = [Path(settings.templates).resolve()] if settings.templates else []
    try:
        default = default_theme_folder()
    except DossierError:
        default = None  # a zipped install: the build reports it
    if default is not None and not _inside_site_packages(default):
        folders.append(default.resolve())  # a checkout's own templates/: a theme designer edits it
    return [folder for folder in folders if folder.is_dir()]


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in relative.parts)


def _inside_site_packages(path: Path) -> bool:
    return any(part in ("site-packages", "dist-packages") for part in path.parts)


def check_watchable(settings) -> None:
    """Refuse to start on settings no save could fix: content paths, a theme or reference document that are absent."""
    from .pipeline import BuildConfig

    for raw in settings.content:
        if not Path(raw).exists():
            raise UsageError(f"{raw}: no such file or folder")
    BuildConfig.from_settings(settings)


def watch(settings, project, *, stop_event=None, out=sys.stdout) -> int:
    """Build once the watcher is up, then again after each burst of changes, until interrupted.

    Returns 0 when `stop_event` is set; Ctrl-C raises KeyboardInterrupt, which the command turns into 130.
    """
    from watchfiles import watch as changes_of

    check_watchable(settings)
    targets = watch_targets(settings, project)
    project_path = project.path.resolve() if project is not None else None
    stream = changes_of(*targets.watched, watch_filter=lambda _change, name: targets.relevant(Path(name)),
                        debounce=DEBOUNCE_MS, step=QUIET_MS, rust_timeout=IDLE_MS, yield_on_timeout=True,
                        recursive=False, stop_event=stop_event)
    build_due = True
    with contextlib.closing(stream):
        for changes in stream:  # an empty set: the watcher's idle report
            names = sorted({name for _change, name in changes})
            if not settings.quiet:
                for name in names:
                    print(f"changed: {name}", file=out, flush=True)
            if project_path is not None and str(project_path) in names:
                names.remove(str(project_path))  # rebuilding with the settings read at the start would change nothing
                if not settings.quiet:
                    print(f"warning: {project_path} changed: its settings take effect when dossier watch is "
                          "started again", file=sys.stderr, flush=True)
            if names:
                build_due = True
            if build_due:
                build_due = False
                code = _build(settings)
                if not settings.quiet:
                    print(f"watching {len(targets.watched)} folder(s) for changes (Ctrl-C to stop); "
                          f"last build exit code {code}", file=out, flush=True)
    return 0


def _build(settings) -> int:
    """One incremental build, reported as `dossier build` reports it; its exit code."""
    from . import batch
    from .progress import Progress, exit_code

    try:
        sources = batch.find_profiles(settings.content)
        progress = Progress(len(sources), quiet=settings.quiet, checking=False, show_skipped=False)
        results = batch.build(sources, settings=settings, on_result=progress.result, on_warning=progress.warning)
        progress.summary(results)
        return exit_code(results)
    except DossierError as exc:
        for line in exc.message.splitlines():
            print(f"error: {line}", file=sys.stderr, flush=True)
        return exc.exit_code

"""Build many profiles: plan against the manifest, render on any executor, write atomically.

The coordinator (this process) reads each content file, hashes it with everything
its outputs depend on, and skips it when the manifest says its outputs are fresh.
The rest go to an executor (in-process, a process pool, or a Dask cluster) as
(name, bytes, options); workers render and verify in memory and send the bytes
back; the coordinator writes every file by rename and records it in the manifest.
Nothing heavy is imported until something must be rendered.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import json
import logging
import os
import re
import signal
import tempfile
import threading
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator

from . import __version__
from .errors import ContentError, DossierError, EnvironmentProblem, OutputBusy, UsageError, VerificationError
from .formats import FORMATS, check_format_name, get_format, output_name

MANIFEST = "manifest.json"
LOCK = ".dossier.lock"
PACKAGE = Path(__file__).resolve().parent
RENDERING_PACKAGES = ("weasyprint", "pydyf", "python-docx", "markdown", "jinja2", "pypdfium2", "pyyaml", "lxml")


@dataclass(frozen=True)
class BuildConfig:
    """Everything besides content that the outputs depend on; sent to every worker."""

    formats: tuple[str, ...] = tuple(FORMATS)
    templates: str | None = None
    reference_docx: str | None = None
    paper: str = "a4"
    strict: bool = False


@dataclass
class ProfileResult:
    """What happened to one content file: built, skipped (unchanged), checked or failed."""

    source: str
    status: str = "failed"
    slug: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # format → path
    hashes: dict[str, str] = field(default_factory=dict)  # format → SHA-256 of the file
    checks: list = field(default_factory=list)  # verify.OutputCheck, one per format
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # one or more lines, as printed after "error: "
    exit_code: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None and all(check.ok for check in self.checks)


# ---------------------------------------------------------------- public API


def build(paths, *, formats=tuple(FORMATS), out="output", jobs: int | None = None,
          templates=None, reference_docx=None, paper: str = "a4", strict: bool = False,
          force: bool = False, executor: cf.Executor | None = None,
          on_result: Callable[[ProfileResult], None] | None = None) -> list[ProfileResult]:
    """Build every profile in `paths` (files or folders of *.yaml) into `out`.

    Arguments:
        formats: which deliverables ("pdf", "docx", "md").
        jobs: worker processes when no executor is given (default: the number of cores).
        executor: any concurrent.futures.Executor (e.g. a Dask client's executor).
        force: rebuild even profiles whose outputs are fresh.
        on_result: called in the coordinator as each profile finishes.

    Returns:
        One ProfileResult per content file, in the order the files were found.
    """
    config = _config(formats, templates, reference_docx, paper, strict)
    sources = find_profiles(paths)
    out = Path(out)
    with output_lock(out):
        manifest = Manifest.load(out)
        base_key = _base_key(config)
        results: dict[Path, ProfileResult] = {}
        pending: list[tuple[Path, bytes, dict[str, str]]] = []
        for source in sources:
            content, keys, result = _plan(source, config, base_key, manifest, force)
            if result is not None:
                results[source] = result
            else:
                pending.append((source, content, keys))
        claims = SlugClaims(manifest, {r.slug: Path(r.source) for r in results.values() if r.slug})
        for source, error in claims.refuse_shared(pending).items():
            results[source] = ProfileResult(str(source))
            _fail(results[source], error)
        pending = [task for task in pending if task[0] not in results]
        for source in sources:
            if source in results:
                _notify(on_result, results[source])
        try:
            for (source, _content, keys), outcome in _execute(pending, config, executor, jobs):
                result = _finish(source, keys, outcome, out, manifest, claims)
                results[source] = result
                _notify(on_result, result)
        finally:
            manifest.save()
    return [results[source] for source in sources]


def check(paths, *, formats=tuple(FORMATS), out="output", strict: bool = False,
          on_result: Callable[[ProfileResult], None] | None = None) -> list[ProfileResult]:
    """Verify outputs already in `out` against their content, without building."""
    from .content import load_profile
    from .verify import check_outputs

    for fmt in formats:
        get_format(fmt)
    results = []
    for source in find_profiles(paths):
        result = ProfileResult(str(source), status="checked")
        try:
            with _collect_warnings(result.warnings):
                profile = load_profile(source, strict=strict, warn=logging.getLogger("dossier").warning)
            result.slug = profile.slug
            files = {}
            for fmt in formats:
                path = Path(out) / profile.slug / output_name(fmt, profile.slug)
                if not path.is_file():
                    raise _missing_output(path)
                files[fmt] = (str(path), path.read_bytes())
                result.outputs[fmt] = str(path)
            result.checks = check_outputs(profile, files)
            if not result.ok:
                _fail(result, _verification_error(str(source), result.checks, built=False))
        except DossierError as exc:
            _fail(result, exc)
        results.append(result)
        _notify(on_result, result)
    return results


def find_profiles(paths) -> list[Path]:
    """Content files named by `paths`: files as given, folders as their *.yaml files."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    if not found:
        raise UsageError(f"no content files (*.yaml) in {', '.join(map(str, paths))}")
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------- planning


def _config(formats, templates, reference_docx, paper, strict) -> BuildConfig:
    formats = tuple(dict.fromkeys(formats))
    for fmt in formats:
        check_format_name(fmt)
    if templates is not None and not Path(templates).is_dir():
        raise EnvironmentProblem(f"template folder {templates} does not exist or is not a folder")
    if reference_docx is not None and not Path(reference_docx).is_file():
        raise EnvironmentProblem(f"reference document {reference_docx} does not exist or is not a file")
    return BuildConfig(formats, _absolute(templates), _absolute(reference_docx), paper, strict)


def _absolute(path) -> str | None:
    return None if path is None else str(Path(path).resolve())


def _base_key(config: BuildConfig) -> bytes:
    """Digest of everything but the content: toolkit, theme, reference document, options."""
    from .templating import DEFAULT_TEMPLATES

    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(f"dossier {__version__}\n".encode())
    for package in RENDERING_PACKAGES:  # their versions shape the bytes as much as our code does
        try:
            digest.update(f"{package} {version(package)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{package} absent\n".encode())
    for path in sorted(PACKAGE.rglob("*")):  # the toolkit's own code and schema
        if path.suffix in (".py", ".json") and path.is_file():
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    folders = [Path(config.templates)] if config.templates else []
    for name, path in sorted(_theme_files(folders + [DEFAULT_TEMPLATES]).items()):
        digest.update(b"template\0" + name.encode() + b"\0" + path.read_bytes())
    if config.reference_docx:
        digest.update(b"reference\0" + Path(config.reference_docx).read_bytes())
    digest.update(json.dumps({"paper": config.paper, "strict": config.strict}).encode())
    return digest.digest()


def _theme_files(folders: list[Path]) -> dict[str, Path]:
    """Every file of the theme by name; a user folder's file hides the default of that name."""
    files: dict[str, Path] = {}
    for folder in folders:
        for path in folder.rglob("*"):
            parts = path.relative_to(folder).parts
            if any(part.startswith(".") or part == "__pycache__" for part in parts):
                continue  # hidden files and caches are no part of a theme
            if path.is_file():
                files.setdefault(path.relative_to(folder).as_posix(), path)
    return files


def _plan(source: Path, config: BuildConfig, base_key: bytes, manifest: "Manifest", force: bool):
    """(content, per-format keys, None) when the profile must be built; a result when not."""
    try:
        content = source.read_bytes()
    except OSError as exc:
        result = ProfileResult(str(source))
        _fail(result, EnvironmentProblem(f"{source}: cannot read: {exc.strerror or exc}"))
        return None, None, result
    content_key = hashlib.sha256(base_key + content).hexdigest()
    keys = {fmt: hashlib.sha256(f"{content_key} {fmt}".encode()).hexdigest() for fmt in config.formats}
    fresh = None if force else manifest.fresh(source, keys)
    return content, keys, fresh


# ---------------------------------------------------------------- execution


def _execute(pending, config: BuildConfig, executor, jobs) -> Iterator[tuple[tuple, dict]]:
    """Yield (task, outcome) as each profile completes, on the executor given or one we make."""
    if not pending:
        return
    workers = jobs or os.cpu_count() or 1
    units = _units(pending, config, workers if executor is None else 0)
    if executor is None and (workers == 1 or len(units) == 1):
        for task in pending:
            yield task, render_profile(str(task[0]), task[1], config)
        return
    own = executor is None
    if own:
        executor = cf.ProcessPoolExecutor(max_workers=min(workers, len(units)), initializer=_worker_init)
    futures = {executor.submit(render_profile, str(task[0]), task[1], unit): (index, task)
               for index, task, unit in units}
    expected = {index: sum(1 for i, _t, _u in units if i == index) for index, _t, _u in units}
    parts: dict[int, list[dict]] = {}
    try:
        for future in cf.as_completed(futures):
            index, task = futures[future]
            parts.setdefault(index, []).append(_outcome_of(future))
            if len(parts[index]) == expected[index]:
                yield task, _merge(parts.pop(index), config.formats)
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
    groups = [config.formats]
    if len(pending) < workers and len(config.formats) > 1:
        slow = tuple(fmt for fmt in config.formats if getattr(get_format(fmt), "SLOW", False))
        rest = tuple(fmt for fmt in config.formats if fmt not in slow)
        groups = [group for group in (slow, rest) if group]
    return [(index, task, replace(config, formats=group))
            for index, task in enumerate(pending) for group in groups]


def _merge(outcomes: list[dict], order: tuple[str, ...]) -> dict:
    """One profile's outcome from the outcomes of its parts (formats in the requested order)."""
    warnings = list(dict.fromkeys(w for outcome in outcomes for w in outcome.get("warnings", [])))
    failed = [outcome for outcome in outcomes if "error" in outcome]
    if failed:
        return {**failed[0], "warnings": warnings}
    checks = sorted((check for outcome in outcomes for check in outcome["checks"]),
                    key=lambda check: order.index(check.format))
    files = {fmt: file for outcome in outcomes for fmt, file in outcome["files"].items()}
    return {"slug": outcomes[0]["slug"], "files": {fmt: files[fmt] for fmt in order},
            "checks": checks, "warnings": warnings}


def _outcome_of(future) -> dict:
    try:
        return future.result()
    except Exception:  # a worker crashed or the task could not be sent back
        return {"error": "unexpected failure in a worker:\n" + traceback.format_exc(), "exit_code": 1}


def _worker_init() -> None:
    # Ctrl-C goes to the whole process group: the coordinator alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_ENVIRONMENTS: dict[str | None, object] = {}  # per worker process: one Jinja environment per theme


def render_profile(source: str, content: bytes, config: BuildConfig) -> dict:
    """Worker side: load, render every format and verify, all in memory.

    Returns a plain dict (it crosses process and machine boundaries): slug,
    files {format: (file name, bytes)}, checks, warnings; or error and exit_code.
    """
    from .content import load_profile
    from .formats import RenderOptions
    from .templating import make_environment
    from .verify import check_outputs

    warnings: list[str] = []
    try:
        with _collect_warnings(warnings):
            profile = load_profile(source, strict=config.strict, data=content,
                                   warn=logging.getLogger("dossier").warning)
            if config.templates not in _ENVIRONMENTS:
                _ENVIRONMENTS[config.templates] = make_environment(config.templates)
            env = _ENVIRONMENTS[config.templates]
            options = RenderOptions(paper=config.paper, strict=config.strict,
                                    reference_docx=Path(config.reference_docx) if config.reference_docx else None)
            files = {fmt: (output_name(fmt, profile.slug),
                           get_format(fmt).render(profile, env, options)) for fmt in config.formats}
            checks = check_outputs(profile, files)
    except DossierError as exc:
        return {"error": _message(exc), "exit_code": exc.exit_code, "warnings": warnings}
    except Exception:
        return {"error": f"{source}: unexpected error:\n" + traceback.format_exc(), "exit_code": 1,
                "warnings": warnings}
    return {"slug": profile.slug, "files": files, "checks": checks, "warnings": warnings}


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
def _collect_warnings(into: list[str]):
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


# ---------------------------------------------------------------- finishing


def _finish(source: Path, keys: dict[str, str], outcome: dict, out: Path, manifest: "Manifest",
            claims: "SlugClaims") -> ProfileResult:
    """Coordinator side: check the outcome, write the files by rename, record them."""
    result = ProfileResult(str(source), warnings=outcome.get("warnings", []))
    if "error" in outcome:
        result.error, result.exit_code = outcome["error"], outcome["exit_code"]
        return result
    result.slug, result.checks = outcome["slug"], outcome["checks"]
    if not all(check.ok for check in result.checks):
        _fail(result, _verification_error(str(source), result.checks))
        return result
    clash = claims.claim(result.slug, source)
    if clash:
        _fail(result, clash)
        return result
    folder = out / result.slug
    try:
        write_files(folder, {name: data for name, data in outcome["files"].values()})
    except DossierError as exc:
        _fail(result, exc)
        return result
    result.status = "built"
    for fmt, (name, data) in outcome["files"].items():
        result.outputs[fmt] = str(folder / name)
        result.hashes[fmt] = hashlib.sha256(data).hexdigest()
    manifest.record(source, result, keys)
    return result


def _fail(result: ProfileResult, exc: DossierError) -> None:
    result.status = "failed"
    result.error, result.exit_code = _message(exc), exc.exit_code


def _message(exc: DossierError) -> str:
    return "\n".join(getattr(exc, "problems", None) or [exc.message])


def _verification_error(source: str, checks, *, built: bool = True) -> DossierError:
    failed = [check.describe() for check in checks if not check.ok]
    said = "verification failed, nothing written" if built else "verification failed"
    return VerificationError(f"{source}: {said}: " + " | ".join(failed))


def _missing_output(path: Path) -> DossierError:
    return VerificationError(f"{path}: not found; build it first")


def _notify(callback, result: ProfileResult) -> None:
    if callback is not None:
        callback(result)


# ---------------------------------------------------------------- files, manifest, lock


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write every file to a temporary name in `folder`, then rename each into place.

    A failure before the renames leaves the previous outputs exactly as they were;
    an interrupted build leaves no partial file behind.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staged: list[tuple[str, Path]] = []
        try:
            for name, data in files.items():
                handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
                staged.append((temp, folder / name))
                os.chmod(temp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are ordinary files
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                    stream.flush()
                    os.fsync(stream.fileno())
            for temp, final in staged:
                os.replace(temp, final)
        finally:
            for temp, _final in staged:
                if os.path.exists(temp):
                    os.unlink(temp)
    except OSError as exc:
        raise EnvironmentProblem(f"cannot write to {folder}: {exc.strerror or exc}") from None


_UMASK = os.umask(0o022)
os.umask(_UMASK)


class SlugClaims:
    """Which content file owns which output folder: two profiles must never share a slug."""

    _SLUG_LINE = re.compile(rb"^slug:[ \t]*['\"]?([a-z0-9-]+)['\"]?[ \t]*(?:#.*)?$", re.MULTILINE)

    def __init__(self, manifest: "Manifest", claimed: dict[str, Path]):
        self.manifest = manifest
        self.claimed = dict(claimed)

    def refuse_shared(self, pending) -> dict[Path, DossierError]:
        """Before rendering: profiles whose slug line another profile of this build shares."""
        by_slug: dict[str, list[Path]] = {}
        for source, content, _keys in pending:
            match = self._SLUG_LINE.search(content)
            if match:
                by_slug.setdefault(match.group(1).decode(), []).append(source)
        refused = {}
        for slug, sources in by_slug.items():
            owners = sources + ([self.claimed[slug]] if slug in self.claimed else [])
            if len(owners) > 1:
                for source in sources:
                    others = ", ".join(str(o) for o in owners if o != source)
                    refused[source] = _slug_clash(source, slug, others)
        return refused

    def claim(self, slug: str, source: Path) -> DossierError | None:
        """Claim `slug` for `source`, or the error if another content file owns it."""
        owner = self.claimed.get(slug) or self.manifest.owner(slug, source)
        if owner is not None and Path(owner) != source:
            return _slug_clash(source, slug, str(owner))
        self.claimed[slug] = source
        return None


def _slug_clash(source: Path, slug: str, others: str) -> DossierError:
    return ContentError([f"{source}: slug {slug!r} is also used by {others}; their outputs would "
                         "overwrite each other: give each profile its own slug"])


class Manifest:
    """output/manifest.json: per content file, each output's input key, file, SHA-256 and verification."""

    def __init__(self, out: Path, profiles: dict):
        self.out = out
        self.profiles = profiles
        self.changed = False

    @classmethod
    def load(cls, out: Path) -> "Manifest":
        try:
            data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
            profiles = data["profiles"] if data.get("format") == 1 else {}
        except (OSError, ValueError, KeyError, TypeError):
            profiles = {}  # no manifest, or one we cannot trust: everything is rebuilt
        return cls(out, profiles)

    def key(self, source: Path) -> str:
        return os.path.relpath(source.resolve(), self.out.resolve()).replace(os.sep, "/")

    def owner(self, slug: str, source: Path) -> Path | None:
        """Another content file, still present, whose outputs the manifest records under `slug`."""
        mine = self.key(source)
        for key, entry in self.profiles.items():
            if key != mine and entry.get("slug") == slug:
                other = (self.out / key).resolve()
                if other.is_file():
                    return other
        return None

    def fresh(self, source: Path, keys: dict[str, str]) -> ProfileResult | None:
        """A 'skipped' result when every requested output is recorded, verified and untouched."""
        entry = self.profiles.get(self.key(source))
        if not entry:
            return None
        result = ProfileResult(str(source), status="skipped", slug=entry.get("slug"))
        for fmt, key in keys.items():
            record = entry.get("outputs", {}).get(fmt)
            if not record or record.get("input") != key or not record.get("verified"):
                return None
            path = self.out / record["file"]
            try:
                if hashlib.sha256(path.read_bytes()).hexdigest() != record["sha256"]:
                    return None  # edited or damaged since: rebuild it
            except OSError:
                return None
            result.outputs[fmt], result.hashes[fmt] = str(path), record["sha256"]
        return result

    def record(self, source: Path, result: ProfileResult, keys: dict[str, str]) -> None:
        entry = self.profiles.setdefault(self.key(source), {"outputs": {}})
        if entry.get("slug") != result.slug:
            entry["outputs"] = {}
        entry["slug"] = result.slug
        for check in result.checks:
            entry["outputs"][check.format] = {
                "file": Path(result.outputs[check.format]).relative_to(self.out).as_posix(),
                "sha256": result.hashes[check.format],
                "input": keys[check.format],
                "verified": check.ok,
                "facts": check.facts_checked,
            }
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        data = {"format": 1, "generator": f"dossier {__version__}",
                "profiles": dict(sorted(self.profiles.items()))}
        write_files(self.out, {MANIFEST: (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()})
        self.changed = False


@contextlib.contextmanager
def output_lock(out: Path):
    """Hold out/.dossier.lock for the whole build: two builds into one folder would mix their files."""
    import fcntl

    if out.exists() and not out.is_dir():
        raise EnvironmentProblem(f"output folder {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = open(out / LOCK, "a+")
    except OSError as exc:
        raise EnvironmentProblem(f"cannot write to output folder {out}: {exc.strerror or exc}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise OutputBusy(f"output folder {out} is in use by another build ({holder}); "
                             "try again when it has finished") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


__all__ = ["BuildConfig", "ProfileResult", "build", "check", "find_profiles", "render_profile", "write_files"]

"""Planning a build: which content files, what each output depends on, and what the manifest says is fresh.

Each output's key is a digest of everything its bytes depend on: the toolkit, the
content, the theme files that format reads, and the options that affect it (declared
in options.py), so a new paper size rebuilds the fact sheets alone. Nothing heavy is
imported here: a no-op rebuild loads no renderer.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .._meta import GENERATOR, __version__
from ..errors import ContentError, DossierError, EnvironmentProblem, UsageError
from ..formats import FORMATS
from ..options import affecting
from ..templating import Theme
from .store import write_files

MANIFEST = "manifest.json"
PACKAGE = Path(__file__).resolve().parent.parent
RENDERING_PACKAGES = ("weasyprint", "pydyf", "python-docx", "markdown", "jinja2", "pypdfium2", "pyyaml", "lxml")


@dataclass(frozen=True)
class BuildConfig:
    """Everything besides content that the outputs depend on; sent with every unit of work."""

    formats: tuple[str, ...] = tuple(FORMATS)
    theme: Theme = Theme()
    reference_docx: tuple[str, bytes] | None = None  # (path as given, bytes): it travels with the work
    paper: str = "a4"
    strict: bool = False

    @classmethod
    def from_settings(cls, settings) -> "BuildConfig":
        """The settings' files read once, here, where the build starts."""
        reference = None
        if settings.reference_docx is not None:
            path = Path(settings.reference_docx)
            if not path.is_file():
                raise EnvironmentProblem(f"reference document {path} does not exist or is not a file")
            try:
                reference = (str(path), path.read_bytes())
            except OSError as exc:
                raise EnvironmentProblem(f"reference document {path}: cannot read: {exc.strerror or exc}") from None
        return cls(tuple(settings.formats), Theme.read(settings.templates), reference, settings.paper,
                   settings.strict)


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


def base_keys(config: BuildConfig) -> dict[str, bytes]:
    """Per format, the digest of everything but the content: toolkit, theme files it reads, options."""
    from importlib.metadata import PackageNotFoundError, version

    toolkit = hashlib.sha256(f"dossier {__version__}\n".encode())
    for package in RENDERING_PACKAGES:  # their versions shape the bytes as much as our code does
        try:
            toolkit.update(f"{package} {version(package)}\n".encode())
        except PackageNotFoundError:
            toolkit.update(f"{package} absent\n".encode())
    for path in sorted(PACKAGE.rglob("*")):  # the toolkit's own code and schema
        if path.suffix in (".py", ".json") and path.is_file():
            toolkit.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    theme = config.theme.effective_files()
    claimed = {name for spec in FORMATS.values() for name in spec.theme_files}
    keys = {}
    for fmt in config.formats:
        digest = toolkit.copy()
        digest.update(f"format {fmt}\n".encode())
        for name, data in sorted(theme.items()):
            # A file no format claims (an include, an image, a font) may be read by any template.
            if name in FORMATS[fmt].theme_files or name not in claimed:
                digest.update(b"template\0" + name.encode() + b"\0" + hashlib.sha256(data).digest())
        if config.reference_docx and fmt == "docx":
            digest.update(b"reference\0" + hashlib.sha256(config.reference_docx[1]).digest())
        # Every option declared to affect this format's bytes is a field of BuildConfig.
        values = {option.name: getattr(config, option.name) for option in affecting(fmt)}
        digest.update(json.dumps(values, sort_keys=True).encode())
        keys[fmt] = digest.digest()
    return keys


def plan(source: Path, base: dict[str, bytes], manifest: "Manifest", force: bool):
    """(content, per-format keys, the formats to build, the skipped result or None).

    Only the formats whose key changed (or whose file is missing or edited) are built: a new
    paper size rebuilds fact sheets alone. A profile with nothing to build gets a 'skipped' result.
    """
    try:
        content = source.read_bytes()
    except OSError as exc:
        result = ProfileResult(str(source))
        fail(result, EnvironmentProblem(f"{source}: cannot read: {exc.strerror or exc}"))
        return None, None, (), result
    content_digest = hashlib.sha256(content).digest()
    keys = {fmt: hashlib.sha256(key + content_digest).hexdigest() for fmt, key in base.items()}
    fresh = {} if force else manifest.fresh_outputs(source, keys)
    stale = tuple(fmt for fmt in keys if fmt not in fresh)
    if stale:
        return content, keys, stale, None
    result = ProfileResult(str(source), status="skipped", slug=manifest.slug(source))
    for fmt, (path, sha256) in fresh.items():
        result.outputs[fmt], result.hashes[fmt] = path, sha256
    return content, keys, (), result


def fail(result: ProfileResult, exc: DossierError) -> None:
    result.status = "failed"
    result.error, result.exit_code = exc.message, exc.exit_code


class SlugClaims:
    """Which content file owns which output folder: two profiles must never share a slug."""

    _SLUG_LINE = re.compile(rb"^slug:[ \t]*['\"]?([a-z0-9-]+)['\"]?[ \t]*(?:#.*)?$", re.MULTILINE)

    def __init__(self, manifest: "Manifest", claimed: dict[str, Path]):
        self.manifest = manifest
        self.claimed = dict(claimed)

    def refuse_shared(self, pending) -> dict[Path, DossierError]:
        """Before rendering: profiles whose slug line another profile of this build shares."""
        by_slug: dict[str, list[Path]] = {}
        for source, content, *_rest in pending:
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

    def slug(self, source: Path) -> str | None:
        return (self.profiles.get(self.key(source)) or {}).get("slug")

    def fresh_outputs(self, source: Path, keys: dict[str, str]) -> dict[str, tuple[str, str]]:
        """{format: (path, SHA-256)} of the outputs recorded with these keys, verified and untouched."""
        entry = self.profiles.get(self.key(source))
        fresh: dict[str, tuple[str, str]] = {}
        if not entry:
            return fresh
        for fmt, key in keys.items():
            record = entry.get("outputs", {}).get(fmt)
            if not record or record.get("input") != key or not record.get("verified"):
                continue
            path = self.out / record["file"]
            try:
                if hashlib.sha256(path.read_bytes()).hexdigest() != record["sha256"]:
                    continue  # edited or damaged since: rebuild it
            except OSError:
                continue
            fresh[fmt] = (str(path), record["sha256"])
        return fresh

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
        data = {"format": 1, "generator": GENERATOR, "profiles": dict(sorted(self.profiles.items()))}
        write_files(self.out, {MANIFEST: (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()})
        self.changed = False

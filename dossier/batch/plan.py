"""Planning a build: which content files, what each output depends on, and what the manifest says is fresh.

Each output's key is a digest of everything its bytes depend on: the toolkit, the
content, the theme files that format reads, and the options that affect it (declared
in options.py), so a new paper size rebuilds the fact sheets alone. Nothing heavy is
imported here: a no-op rebuild loads no renderer.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .._meta import GENERATOR, __version__
from ..brand import Brand, load_brand
from ..errors import ContentError, DossierError, EnvironmentProblem, UsageError
from ..formats import FORMATS, output_name
from ..model import MAX_CONTENT_BYTES as MAX_BYTES
from ..options import affecting
from ..templating import Theme
from .store import write_files

MANIFEST = "manifest.json"
JOURNAL = "manifest.journal"
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
    brand: Brand | None = None  # read once, here; it travels with the work like the theme
    keep_html: bool = False  # also write the fact sheet's HTML beside it
    timings: bool = False  # workers time each stage of their work

    @classmethod
    def from_settings(cls, settings, warn=None) -> "BuildConfig":
        """The settings' files read once, here, where the build starts (a brand's warnings go to `warn`)."""
        reference = None
        if settings.reference_docx is not None:
            path = Path(settings.reference_docx)
            if not path.is_file():
                raise EnvironmentProblem(f"reference document {path} does not exist or is not a file")
            try:
                reference = (str(path), path.read_bytes())
            except OSError as exc:
                raise EnvironmentProblem(f"reference document {path}: cannot read: {exc.strerror or exc}") from None
        brand = None
        if settings.brand is not None:
            path = Path(settings.brand)
            if not path.exists() and not path.is_symlink():
                raise EnvironmentProblem(f"brand file {path} does not exist")
            brand = load_brand(path, warn, strict=settings.strict)
        return cls(tuple(settings.formats), Theme.read(settings.templates), reference, settings.paper,
                   settings.strict, brand, settings.keep_html, settings.timings)


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
        mode = _mode(path)  # one stat per path named: a batch may name 10,000 files
        if mode is None:
            raise UsageError(f"{path}: no such file or folder")
        if stat.S_ISDIR(mode):
            found.extend(path / name for name in _content_names(path))
        elif stat.S_ISREG(mode):
            found.append(path)
        else:  # a pipe or a device (or a link to one): reading it might never end
            raise UsageError(f"{path}: is not a regular file or a folder of *.yaml")
    if not found:
        raise UsageError(f"no content files (*.yaml) in {', '.join(map(str, paths))}")
    return list(dict.fromkeys(found))


_ABSENT = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)  # the errors pathlib takes for "not there"


def _mode(path: Path) -> int | None:
    """st_mode of what `path` names, links followed; None where Path.exists() would say False."""
    try:
        return os.stat(path).st_mode
    except OSError as exc:
        if exc.errno in _ABSENT:
            return None
        raise


def _content_names(folder: Path) -> list[str]:
    """The *.yaml and *.yml regular files of `folder` (links followed), sorted by name.

    One listing: the entries' types come with it, so only links cost a stat.
    """
    names = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            dot = name.rfind(".")  # Path.suffix: a name that only starts with a dot has none
            if 0 < dot < len(name) - 1 and name[dot:] in (".yaml", ".yml"):
                try:
                    regular = entry.is_file()
                except OSError as exc:  # as Path.is_file(): a dangling or looping link is no file
                    if exc.errno not in _ABSENT:
                        raise
                    regular = False
                if regular:
                    names.append(name)
    return sorted(names)


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
        if config.brand is not None:
            digest.update(b"brand\0" + config.brand.digest().encode())
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
        info = source.stat()
        refusal = None
        if not stat.S_ISREG(info.st_mode):  # a pipe or /dev/zero named as content would never end
            refusal = f"{source}:1:1: (file): is not a regular file; expected a YAML file"
        elif info.st_size > MAX_BYTES:  # refused from its size on disk: a huge file is never read
            refusal = f"{source}:1:1: (file): file is {info.st_size:,} bytes; the limit is {MAX_BYTES:,}"
        if refusal:
            result = ProfileResult(str(source))
            fail(result, ContentError([refusal]))
            return None, None, (), result
        with open(source, "rb") as stream:
            content = stream.read(MAX_BYTES + 1)  # load_profile refuses it if it grew past the limit
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


def peek_slug(content: bytes) -> tuple[str, int, int] | None:
    """The top-level `slug` value and its line and column, read by the YAML parser, not a pattern.

    Parsing stops at the slug (usually in the first lines), so planning stays cheap; a file
    whose slug cannot be found this way is left to load_profile, which reports why.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth, expecting_key, found_key = 0, False, False
    try:
        for event in yaml.parse(content, Loader=loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if found_key:
                    return None  # slug: [..] or slug: {..}: load_profile will say what is wrong
                depth += 1
                expecting_key = depth == 1 and isinstance(event, yaml.MappingStartEvent)
                if depth == 1 and not expecting_key:
                    return None
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
                if depth == 1:
                    expecting_key = True  # the value of a top-level key ended
                continue
            if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)) and depth == 1:
                if found_key:
                    if isinstance(event, yaml.AliasEvent):
                        return None
                    return event.value, event.start_mark.line + 1, event.start_mark.column + 1
                if expecting_key:
                    found_key = isinstance(event, yaml.ScalarEvent) and event.value == "slug"
                expecting_key = not expecting_key
    except yaml.YAMLError:
        return None
    return None


class SlugClaims:
    """Which content file owns which output folder: two profiles must never share a slug."""

    def __init__(self, manifest: "Manifest", claimed: dict[str, Path]):
        self.manifest = manifest
        self.claimed = dict(claimed)

    def refuse_shared(self, pending) -> dict[Path, DossierError]:
        """Before rendering: profiles whose slug another profile of this build, or one built before, has."""
        by_slug: dict[str, list[tuple[Path, str]]] = {}
        for source, content, *_rest in pending:
            found = peek_slug(content)
            if found:
                slug, line, column = found
                by_slug.setdefault(slug, []).append((source, f"{source}:{line}:{column}"))
        refused = {}
        for slug, sources in by_slug.items():
            owners = list(sources)
            for other in {self.claimed.get(slug), self.manifest.owner(slug, sources[0][0])} - {None}:
                if all(Path(other) != source for source, _where in sources):
                    owners.append((Path(other), _where_slug(Path(other))))
            if len(owners) > 1:
                for source, where in sources:
                    others = ", ".join(w for o, w in owners if o != source)
                    refused[source] = _slug_clash(where, slug, others)
        return refused

    def claim(self, slug: str, source: Path) -> DossierError | None:
        """Claim `slug` for `source`, or the error if another content file owns it."""
        owner = self.claimed.get(slug) or self.manifest.owner(slug, source)
        if owner is not None and Path(owner) != source:
            return _slug_clash(_where_slug(source), slug, _where_slug(Path(owner)))
        self.claimed[slug] = source
        return None


def _where_slug(path: Path) -> str:
    """'file:line:col' of a content file's slug, for messages (the file alone if it cannot be read)."""
    try:
        found = peek_slug(path.read_bytes()) if path.stat().st_size <= MAX_BYTES else None
    except OSError:
        found = None
    return f"{path}:{found[1]}:{found[2]}" if found else str(path)


def _slug_clash(where: str, slug: str, others: str) -> DossierError:
    return ContentError([f"{where}: slug: {slug!r} is also the slug of {others}; their outputs would "
                         "overwrite each other: give each profile its own slug"])


class Manifest:
    """output/manifest.json and its journal: per content file, each output's key, file, SHA-256 and verification.

    Each profile that lands is appended to manifest.journal at once (one short line, whatever
    the batch's size), so a killed build keeps what it finished and the next build does only
    the rest; manifest.json itself is rewritten once, when a build ends (or by the next one).
    """

    def __init__(self, out: Path, profiles: dict, problems: list[str] | None = None):
        self.out = out
        self.profiles = profiles
        self.problems = problems or []  # what could not be read, as warnings
        self.changed = False
        self._journal: int | None = None
        self._keys: dict[Path, str] = {}  # content file → its key, resolved once per build
        self._folders: dict[Path, str] = {}  # content folder → its resolved path from out, with a final /
        self._out: str | None = None  # the output folder, resolved
        self._by_slug: dict[str, set[str]] = {}
        for key, entry in profiles.items():
            self._by_slug.setdefault(entry["slug"], set()).add(key)

    @classmethod
    def load(cls, out: Path) -> "Manifest":
        problems: list[str] = []
        profiles: dict = {}
        path = out / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {"format": 1, "profiles": {}}
        except (OSError, ValueError) as exc:
            problems.append(f"{path} cannot be read ({exc}); it is rebuilt, with every output")
            data = {"format": 1, "profiles": {}}
        if not (isinstance(data, dict) and data.get("format") == 1 and isinstance(data.get("profiles"), dict)):
            problems.append(f"{path} is not a manifest this dossier reads (expected an object with \"format\": 1 "
                            f"and \"profiles\", got {_shape(data)}); it is rebuilt, with every output")
            data = {"profiles": {}}
        dropped = 0
        for key, entry in data["profiles"].items():
            if _valid_entry(entry):
                profiles[key] = entry
            else:
                dropped += 1
        dropped += _replay_journal(out / JOURNAL, profiles)
        if dropped:
            problems.append(f"{path}: {dropped} entr{'y' if dropped == 1 else 'ies'} not understood; "
                            "those profiles are rebuilt")
        manifest = cls(out, profiles, problems)
        manifest.changed = (out / JOURNAL).exists()  # a killed build's journal: fold it in at the end
        return manifest

    def key(self, source: Path) -> str:
        """The content file's path from the output folder, links resolved: its name in the manifest."""
        key = self._keys.get(source)
        if key is None:
            key = self._keys[source] = self._key(source)
        return key

    def _key(self, source: Path) -> str:
        """relpath(source.resolve(), out.resolve()), each folder resolved once: resolving costs a stat
        per path component, and a batch has thousands of files in one folder."""
        if self._out is None:
            self._out = str(self.out.resolve())
        if source.name in ("", ".", "..") or os.path.islink(source):
            return os.path.relpath(source.resolve(), self._out).replace(os.sep, "/")
        folder = self._folders.get(source.parent)
        if folder is None:  # a plain name in a resolved folder: the folder's path from out, then the name
            folder = os.path.relpath(source.parent.resolve(), self._out).replace(os.sep, "/")
            folder = self._folders[source.parent] = "" if folder == "." else folder + "/"
        return folder + source.name

    def slug(self, source: Path) -> str | None:
        return (self.profiles.get(self.key(source)) or {}).get("slug")

    def owner(self, slug: str, source: Path) -> Path | None:
        """Another content file, still present, whose outputs the manifest records under `slug`."""
        recorded = self._by_slug.get(slug)
        if not recorded:
            return None
        mine = self.key(source)
        for key in sorted(recorded):
            if key != mine:
                other = (self.out / key).resolve()
                if other.is_file():
                    return other
        return None

    def fresh_outputs(self, source: Path, keys: dict[str, str]) -> dict[str, tuple[str, str]]:
        """{format: (path, SHA-256)} of the outputs recorded with these keys, verified and untouched."""
        entry = self.profiles.get(self.key(source))
        fresh: dict[str, tuple[str, str]] = {}
        if not entry:
            return fresh
        for fmt, key in keys.items():
            record = entry["outputs"].get(fmt)
            if not record or record["input"] != key or not record["verified"]:
                continue
            if record["file"] != f"{entry['slug']}/{output_name(fmt, entry['slug'])}":
                continue  # a manifest edited to point elsewhere: never read that file
            path = self.out / record["file"]
            try:
                if hashlib.sha256(path.read_bytes()).hexdigest() != record["sha256"]:
                    continue  # edited or damaged since: rebuild it
            except OSError:
                continue
            fresh[fmt] = (str(path), record["sha256"])
        return fresh

    def record(self, source: Path, result: ProfileResult, keys: dict[str, str]) -> None:
        """Record a profile's new outputs, in memory and at once in the journal."""
        key = self.key(source)
        entry = self.profiles.setdefault(key, {"slug": result.slug, "outputs": {}})
        if entry["slug"] != result.slug:
            self._by_slug.get(entry["slug"], set()).discard(key)
            entry["slug"], entry["outputs"] = result.slug, {}
        self._by_slug.setdefault(result.slug, set()).add(key)
        for check in result.checks:
            entry["outputs"][check.format] = {
                "file": Path(result.outputs[check.format]).relative_to(self.out).as_posix(),
                "sha256": result.hashes[check.format],
                "input": keys[check.format],
                "verified": check.ok,
                "facts": check.facts_checked,
            }
        self.changed = True
        line = json.dumps({"key": key, "entry": entry}, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            if self._journal is None:
                self._journal = os.open(self.out / JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW
                                        | os.O_CLOEXEC, 0o644)
            os.write(self._journal, line.encode())
        except OSError as exc:
            raise EnvironmentProblem(f"cannot write to {self.out / JOURNAL}: {exc.strerror or exc}") from None

    def save(self) -> None:
        """Rewrite manifest.json with everything recorded, then drop the journal it now holds."""
        if self._journal is not None:
            os.close(self._journal)
            self._journal = None
        if not self.changed:
            return
        data = {"format": 1, "generator": GENERATOR, "profiles": dict(sorted(self.profiles.items()))}
        # The bytes of json.dumps(data, indent=2, ensure_ascii=False) + "\n", streamed: with indent, json
        # encodes in Python, and joining its pieces for 10,000 profiles took more memory than the manifest.
        pieces = json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(data)
        write_files(self.out, {MANIFEST: _in_blocks(itertools.chain(pieces, ("\n",)))})
        try:
            os.unlink(self.out / JOURNAL)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise EnvironmentProblem(f"cannot remove {self.out / JOURNAL}: {exc.strerror or exc}") from None
        self.changed = False


def _in_blocks(pieces, size: int = 1 << 16):
    """UTF-8 blocks of about `size` characters from many small text pieces."""
    block: list[str] = []
    length = 0
    for piece in pieces:
        block.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(block).encode()
            block, length = [], 0
    if block:
        yield "".join(block).encode()


def _shape(value) -> str:
    return {dict: "an object", list: "a list", str: "text", type(None): "null", bool: "true or false"}.get(
        type(value), "a number")


def _valid_entry(entry) -> bool:
    if not (isinstance(entry, dict) and isinstance(entry.get("slug"), str) and isinstance(entry.get("outputs"), dict)):
        return False
    return all(isinstance(record, dict) and isinstance(record.get("file"), str) and isinstance(record.get("sha256"), str)
               and isinstance(record.get("input"), str) and isinstance(record.get("verified"), bool)
               for record in entry["outputs"].values())


def _replay_journal(path: Path, profiles: dict) -> int:
    """Apply what a killed build recorded after its last manifest.json; returns the lines not understood.

    The last line may be cut short by the kill: it is ignored, and that profile is rebuilt.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0
    bad = 0
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
            key, entry = item["key"], item["entry"]
        except (ValueError, TypeError, KeyError):
            if not (number == len(lines) and not text.endswith("\n")):  # a line cut by the kill: expected
                bad += 1
            continue
        if isinstance(key, str) and _valid_entry(entry):
            profiles[key] = entry
        else:
            bad += 1
    return bad

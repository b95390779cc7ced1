"""Planning a build: which content files, what each output depends on, and what the manifest says is fresh.

Each output's key is a digest of everything its bytes depend on: the toolkit, the
content, the theme files that format reads, and the options that affect it (declared
in options.py), so a new paper size rebuilds the fact sheets alone. Nothing heavy is
imported here: a no-op rebuild loads no renderer.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from .. import files, yamlfile
from .._meta import __version__
from ..errors import ContentError, DossierError, EnvironmentProblem, UsageError
from ..formats import FORMATS
from ..model import MAX_CONTENT_BYTES as MAX_BYTES
from ..options import affecting, affecting_paths
from .results import ProfileResult, fail

if TYPE_CHECKING:
    from ..pipeline import BuildConfig
    from .manifest import Manifest

PACKAGE = Path(__file__).resolve().parent.parent
RENDERING_PACKAGES = ("weasyprint", "pydyf", "python-docx", "markdown", "jinja2", "pypdfium2", "pyyaml", "lxml")


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
        raise UsageError(f"{path}: {exc.strerror or exc}") from None  # a name too long, no permission
    except ValueError:  # a NUL in the name: no system call takes one
        raise UsageError(f"{str(path)!r}: expected a path, got a name that holds a NUL character") from None


def _content_names(folder: Path) -> list[str]:
    """The *.yaml and *.yml regular files of `folder` (links followed), sorted by name.

    One listing: the entries' types come with it, so only links cost a stat.
    """
    names = []
    try:
        entries = os.scandir(folder)
    except OSError as exc:
        raise UsageError(f"{folder}: cannot list the folder: {exc.strerror or exc}") from None
    with entries:
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
        if config.options.reference_docx and "reference_docx" in affecting_paths(fmt):
            digest.update(b"reference\0" + hashlib.sha256(config.options.reference_docx[1]).digest())
        # Every option declared to affect this format's bytes is a field of the writers' RenderOptions.
        values = {option.name: getattr(config.options, option.name) for option in affecting(fmt)}
        digest.update(json.dumps(values, sort_keys=True).encode())
        keys[fmt] = digest.digest()
    return keys


def plan(source: Path, base: dict[str, bytes], manifest: "Manifest", force: bool):
    """(content, per-format keys, the formats to build, the skipped result or None).

    Only the formats whose key changed (or whose file is missing or edited) are built: a new
    paper size rebuilds fact sheets alone. A profile with nothing to build gets a 'skipped' result.
    """
    try:
        # The door's rules (files.py), as load_profile reads it: a pipe or /dev/zero named as content would
        # never end, a huge file is refused from its size and never read, a link may not leave its folder.
        content = files.read(source, limit=MAX_BYTES, inside=source.parent)
    except files.Refused as refused:
        result = ProfileResult(str(source))
        if refused.reason in (files.MISSING, files.UNREADABLE):
            fail(result, EnvironmentProblem(f"{source}: cannot read: {refused.strerror}"))
        else:
            fail(result, ContentError([f"{source}:1:1: (file): {refused.describe('a YAML file')}"]))
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


def peek_slug(content: bytes) -> tuple[str, int, int] | None:
    """The top-level `slug` value and its line and column, read by the YAML parser (yamlfile.peek_scalar)."""
    return yamlfile.peek_scalar(content, "slug")


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
            for other in {self.claimed.get(slug), self._recorded_owner(slug, sources[0][0])} - {None}:
                if all(Path(other) != source for source, _where in sources):
                    owners.append((Path(other), _where_slug(Path(other))))
            if len(owners) > 1:
                for source, where in sources:
                    others = ", ".join(w for o, w in owners if o != source)
                    refused[source] = _slug_clash(where, slug, others)
        return refused

    def _recorded_owner(self, slug: str, source: Path) -> Path | None:
        """The content file the manifest records under `slug`, if it is another and still declares that slug:
        two profiles that swapped their slugs, or one that gave its slug up, own nothing of the old."""
        owner = self.manifest.owner(slug, source)
        if owner is None:
            return None
        try:
            found = peek_slug(files.read(owner, limit=MAX_BYTES, inside=owner.parent))
        except files.Refused:
            return owner  # it cannot be read now: still the owner, as far as anyone can tell
        return owner if found is None or found[0] == slug else None

    def claim(self, slug: str, source: Path) -> DossierError | None:
        """Claim `slug` for `source`, or the error if another content file owns it."""
        owner = self.claimed.get(slug) or self._recorded_owner(slug, source)
        if owner is not None and Path(owner) != source:
            return _slug_clash(_where_slug(source), slug, _where_slug(Path(owner)))
        self.claimed[slug] = source
        return None


def _where_slug(path: Path) -> str:
    """'file:line:col' of a content file's slug, for messages (the file alone if it cannot be read)."""
    try:
        found = peek_slug(files.read(path, limit=MAX_BYTES, inside=path.parent))
    except files.Refused:
        found = None
    return f"{path}:{found[1]}:{found[2]}" if found else str(path)


def _slug_clash(where: str, slug: str, others: str) -> DossierError:
    return ContentError([f"{where}: slug: {slug!r} is also the slug of {others}; their outputs would "
                         "overwrite each other: give each profile its own slug"])

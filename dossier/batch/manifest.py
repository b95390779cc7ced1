"""output/manifest.json and its journal: what each build made, so that the next one does only the rest.

Per content file (named by its path from the output folder), each output's key (a digest of everything
its bytes depend on, from plan.py), its file, SHA-256 and whether it was verified. Each profile that
lands is appended to manifest.journal at once, so a killed build keeps what it finished; manifest.json
is rewritten once, when a build ends (or by the next one). Both are read through the door (files.py).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import stat
from pathlib import Path

from .. import files
from .._meta import GENERATOR
from ..errors import EnvironmentProblem
from ..formats import output_name
from ..model import SLUG
from .results import ProfileResult
from .store import write_files

MANIFEST = "manifest.json"
JOURNAL = "manifest.journal"
# manifest.json of 10,000 profiles is about 10 MB; a file this large is no manifest of ours.
MAX_MANIFEST_BYTES = 512 * 1024 * 1024
MAX_OUTPUT_BYTES = 1024 * 1024 * 1024  # an output read back to see that it is untouched


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
            data = json.loads(files.read(path, limit=MAX_MANIFEST_BYTES, inside=out).decode("utf-8"))
        except files.Refused as refused:
            if refused.reason != files.MISSING:
                problems.append(f"{path} cannot be read ({refused.describe('a manifest')}); it is rebuilt, "
                                "with every output")
            data = {"format": 1, "profiles": {}}
        except ValueError as exc:  # not JSON, not UTF-8
            problems.append(f"{path} cannot be read ({exc}); it is rebuilt, with every output")
            data = {"format": 1, "profiles": {}}
        if not (isinstance(data, dict) and data.get("format") == 1 and isinstance(data.get("profiles"), dict)):
            problems.append(f"{path} is not a manifest this dossier reads (expected an object with \"format\": 1 "
                            f"and \"profiles\", got {_shape(data)}); it is rebuilt, with every output")
            data = {"profiles": {}}
        dropped, outside = 0, []
        for key, entry in data["profiles"].items():
            if not _valid_entry(entry):
                dropped += 1
            elif (leads_out := _outside(key, entry)) is not None:
                outside.append(leads_out)
            else:
                profiles[key] = entry
        journal_dropped, journal_outside = _replay_journal(out / JOURNAL, profiles)
        dropped += journal_dropped
        outside += journal_outside
        if dropped:
            problems.append(f"{path}: {dropped} entr{'y' if dropped == 1 else 'ies'} not understood; "
                            "those profiles are rebuilt")
        if outside:
            listed = ", ".join(repr(name[:80]) for name in outside[:3]) + (", …" if len(outside) > 3 else "")
            problems.append(f"{path}: {len(outside)} entr{'y' if len(outside) == 1 else 'ies'} name a file outside "
                            f"the output folder or that is no content file ({listed}); nothing of them is read, "
                            "and those profiles are rebuilt")
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
                if hashlib.sha256(files.read(path, limit=MAX_OUTPUT_BYTES, inside=self.out)).hexdigest() \
                        != record["sha256"]:
                    continue  # edited or damaged since: rebuild it
            except files.Refused:
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
                # Not through a link, and not blocking on a pipe put in its place; a regular file only.
                self._journal = os.open(self.out / JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW
                                        | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
                if not stat.S_ISREG(os.fstat(self._journal).st_mode):
                    os.close(self._journal)
                    self._journal = None
                    raise EnvironmentProblem(f"{self.out / JOURNAL} is not a regular file: remove it and build again")
            os.write(self._journal, _utf8(line))
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
        write_files(self.out, self.out, {MANIFEST: _in_blocks(itertools.chain(pieces, ("\n",)))})
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
            yield _utf8("".join(block))
            block, length = [], 0
    if block:
        yield _utf8("".join(block))


def _utf8(text: str) -> bytes:
    """JSON text as UTF-8. A file name that is not UTF-8 reaches us with lone surrogates (Python's
    surrogateescape): written as JSON's own escape (\\udcff), it reads back as the same name."""
    return text.encode("utf-8", "backslashreplace")


def _shape(value) -> str:
    return {dict: "an object", list: "a list", str: "text", type(None): "null", bool: "true or false"}.get(
        type(value), "a number")


def _outside(key: str, entry: dict) -> str | None:
    """The name in an entry that leads where a manifest of ours never points, or None: a content file is a
    .yaml/.yml path (relative to the output folder), its slug a slug, its outputs `<slug>/<file>`."""
    if os.path.isabs(key) or "\0" in key or not key.endswith((".yaml", ".yml")):
        return key
    slug = entry["slug"]
    if not SLUG.match(slug):
        return slug
    for record in entry["outputs"].values():
        folder, _, name = record["file"].partition("/")
        if folder != slug or not name or "/" in name or name in (".", ".."):
            return record["file"]
    return None


def _valid_entry(entry) -> bool:
    if not (isinstance(entry, dict) and isinstance(entry.get("slug"), str) and isinstance(entry.get("outputs"), dict)):
        return False
    return all(isinstance(record, dict) and isinstance(record.get("file"), str) and isinstance(record.get("sha256"), str)
               and isinstance(record.get("input"), str) and isinstance(record.get("verified"), bool)
               for record in entry["outputs"].values())


def _replay_journal(path: Path, profiles: dict) -> tuple[int, list[str]]:
    """Apply what a killed build recorded after its last manifest.json; returns the count of lines not
    understood, and the names of entries that point outside (see `_outside`), which are left out.

    The last line may be cut short by the kill: it is ignored, and that profile is rebuilt.
    """
    try:
        text = files.read(path, limit=MAX_MANIFEST_BYTES, inside=path.parent).decode("utf-8", errors="replace")
    except files.Refused:
        return 0, []
    bad, outside = 0, []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
            key, entry = item["key"], item["entry"]
        except (ValueError, TypeError, KeyError):
            if not (number == len(lines) and not text.endswith("\n")):  # a line cut by the kill: expected
                bad += 1
            continue
        if not (isinstance(key, str) and _valid_entry(entry)):
            bad += 1
        elif (leads_out := _outside(key, entry)) is not None:
            outside.append(leads_out)
        else:
            profiles[key] = entry
    return bad, outside

"""The one door to every file a user names: content, the project file, a brand file and the logo and fonts
it names, theme files and message catalogues, the reference document, a report under review, the manifest
and its journal, and outputs read back to be checked.

One set of rules, each enforced on what was opened, not on what a name said a moment before:

- where a folder is named (a theme, a brand's folder, a content file's own folder, the output folder),
  the file's real path (links followed as a name lookup, `..` resolved) must lie inside the folder's
  real path;
- that real path is opened without following a final symbolic link and without blocking, so a link or
  a pipe put in its place since is refused, never followed or waited on;
- what was opened must be a regular file (no pipe, device, socket or folder), of at most `limit` bytes
  by the descriptor's own size; reading stops one byte past the limit, so a file growing meanwhile is
  caught too; and where the system tells (Linux: /proc/self/fd), the file opened must still lie inside.

A refusal is a `Refused`, not yet a DossierError: each caller names the file in its own terms (a content
file by file:line:col, a brand's logo by its key path) and decides the category. Nothing else in dossier
opens a path a user gave (tests/test_files.py checks the source for it).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path

# Why a file was refused (Refused.reason).
MISSING = "missing"  # no such file
OUTSIDE = "outside"  # its real path is not inside the folder it must be in
NOT_REGULAR = "not regular"  # a folder, a pipe, a device, a socket
TOO_BIG = "too big"  # larger than the limit on disk
GREW = "grew"  # grew past the limit while it was read
UNREADABLE = "unreadable"  # the system refused (permissions, I/O), or a link was put in its place

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
          | getattr(os, "O_BINARY", 0))


class Refused(Exception):
    """A file the door did not read, and why: `reason` (one of the constants above) with its particulars."""

    def __init__(self, path: Path, reason: str, *, kind: str = "", size: int = 0, limit: int = 0,
                 folder: Path | None = None, strerror: str = ""):
        self.path, self.reason, self.kind, self.size, self.limit = path, reason, kind, size, limit
        self.folder, self.strerror = folder, strerror
        super().__init__(self.describe())

    @property
    def through_link(self) -> bool:
        """Whether the name given is a symbolic link (an outside file is then reached through it)."""
        return os.path.islink(self.path)

    def describe(self, expected: str = "a file") -> str:
        """What is wrong, in the words every file dossier reads is refused with: 'is a named pipe, not a
        regular file; expected a YAML file', 'file is 2,000,000 bytes; the limit is 1,000,000'."""
        if self.reason == OUTSIDE:
            folder = os.path.join(str(self.folder), "")
            if self.through_link:
                return f"is a symbolic link to a file outside {folder}; copy the file in instead"
            return f"is outside {folder}"
        if self.reason == NOT_REGULAR:
            return f"is {self.kind}, not a regular file; expected {expected}"
        if self.reason == TOO_BIG:
            return f"file is {self.size:,} bytes; the limit is {self.limit:,}"
        if self.reason == GREW:
            return f"file is more than {self.limit:,} bytes; the limit is {self.limit:,}"
        return f"cannot read: {self.strerror}"


def kind_of(mode: int) -> str:
    """'a folder', 'a named pipe', 'a device', … for a st_mode that is not a regular file's."""
    return next((name for test, name in _KINDS if test(mode)), "not a file")


def lies_inside(path: str | os.PathLike, folders: Path | Sequence[Path]) -> bool:
    """Whether `path`'s real path (every link on the way followed, even to nothing) lies inside one of
    `folders`' real paths."""
    real = os.path.realpath(path)
    for folder in ([folders] if isinstance(folders, (str, os.PathLike)) else folders):
        root = os.path.realpath(folder)
        if os.path.commonpath([root, real]) == root:
            return True
    return False


def read(path: str | os.PathLike, *, limit: int, inside: Path | Sequence[Path] | None = None) -> bytes:
    """The bytes of the file at `path`, by the rules above; Refused if it may not be read."""
    path = Path(path)
    folders = None if inside is None else ([inside] if isinstance(inside, (str, os.PathLike)) else list(inside))
    if folders is not None and not lies_inside(path, folders):
        raise Refused(path, OUTSIDE, folder=Path(folders[0]))
    real = os.path.realpath(path)
    try:
        descriptor = os.open(real, _FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise Refused(path, MISSING, strerror=exc.strerror or str(exc)) from None
        if exc.errno == errno.ELOOP:  # resolved a moment ago: a link was put in its place since
            raise Refused(path, UNREADABLE, strerror="it was replaced by a symbolic link while being read") from None
        raise Refused(path, UNREADABLE, strerror=exc.strerror or str(exc)) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(path, NOT_REGULAR, kind=kind_of(info.st_mode))
        if folders is not None:
            opened = f"/proc/self/fd/{descriptor}"
            if os.path.islink(opened) and not lies_inside(os.readlink(opened), folders):
                raise Refused(path, OUTSIDE, folder=Path(folders[0]))  # a folder on the way was swapped
        if info.st_size > limit:
            raise Refused(path, TOO_BIG, size=info.st_size, limit=limit)
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(descriptor, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise Refused(path, UNREADABLE, strerror=exc.strerror or str(exc)) from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise Refused(path, GREW, limit=limit)
    return data

"""The one door to every file a user names: content, the project file, a brand file and the logo and fonts
it names, theme files and message catalogues, the reference document, a report under review, the manifest
and its journal, and outputs read back to be checked; and to every file dossier writes.

One set of rules, each enforced on what was opened, not on what a name said a moment before:

- where a folder is named (a theme, a brand's folder, a content file's own folder, the output folder),
  the file's real path (links followed as a name lookup, `..` resolved) must lie inside the folder's
  real path;
- that real path is opened without following a final symbolic link and without blocking, so a link or
  a pipe put in its place since is refused, never followed or waited on;
- what was opened must be a regular file (no pipe, device, socket or folder), of at most `limit` bytes
  by the descriptor's own size; reading stops one byte past the limit, so a file growing meanwhile is
  caught too; and where the system tells (Linux: /proc/self/fd), the file opened must still lie inside.

Writing (`write`): every file goes to a temporary name in its folder, then is renamed into place, so a
failure leaves the previous file as it was and an interrupted build leaves nothing half-written. Below the
folder a caller guards (the output folder), every folder is walked one at a time without following a
link, so a symbolic link planted at output/<slug>/ cannot send the outputs elsewhere; and a file is only
ever replaced if it is a regular file: a link, a pipe or a device in its place is refused, never written
through or replaced.

A refusal is a `Refused`, not yet a DossierError: each caller names the file in its own terms (a content
file by file:line:col, a brand's logo by its key path) and decides the category. Nothing else in dossier
opens a path a user gave (tests/test_files.py checks the source for it).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

# Why a file was refused (Refused.reason).
MISSING = "missing"  # no such file
OUTSIDE = "outside"  # its real path is not inside the folder it must be in
NOT_REGULAR = "not regular"  # a folder, a pipe, a device, a socket
TOO_BIG = "too big"  # larger than the limit on disk
GREW = "grew"  # grew past the limit while it was read
UNREADABLE = "unreadable"  # the system refused (permissions, I/O), or a link was put in its place
LINK = "link"  # a symbolic link where dossier writes: never followed, never replaced
UNWRITABLE = "unwritable"  # the system refused to write (permissions, a full disk, a name too long)

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
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
        if self.reason == LINK:
            return "is a symbolic link: dossier neither writes through one nor replaces it; remove it"
        if self.reason == UNWRITABLE:
            return f"cannot write: {self.strerror}"
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


def write(folder: str | os.PathLike, contents: dict[str, bytes | Iterable[bytes]], *,
          guard: str | os.PathLike | None = None) -> None:
    """Write each file of `contents` ({name: bytes, or an iterable of byte strings written one after the
    other}) into `folder` by a temporary name, then rename each into place; Refused if it may not be.

    `guard`: a folder above `folder` (or `folder` itself) that the caller trusts as named; every folder
    below it is made if missing and walked without following a link. Without a guard, `folder` is
    opened as named. Either way a file is replaced only if it is a regular file (or absent).
    """
    folder = Path(folder)
    descriptor = _open_folder(folder, Path(guard) if guard is not None else None)
    staged: list[tuple[str, str]] = []
    try:
        for name, data in contents.items():
            _check_target(folder, name, descriptor)
            temporary = f".{name}.{secrets.token_hex(4)}.tmp"
            try:
                handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(
                    os, "O_CLOEXEC", 0), 0o666 & ~_UMASK, dir_fd=descriptor)
            except OSError as exc:
                raise Refused(folder / name, UNWRITABLE, strerror=exc.strerror or str(exc)) from None
            staged.append((temporary, name))
            try:
                with os.fdopen(handle, "wb") as stream:
                    if isinstance(data, (bytes, bytearray, memoryview)):
                        stream.write(data)
                    else:
                        for chunk in data:
                            stream.write(chunk)
                    stream.flush()
                    os.fsync(stream.fileno())
            except OSError as exc:
                raise Refused(folder / name, UNWRITABLE, strerror=exc.strerror or str(exc)) from None
        for temporary, name in staged:
            _check_target(folder, name, descriptor)  # a link planted while the data was written
            try:
                os.replace(temporary, name, src_dir_fd=descriptor, dst_dir_fd=descriptor)
            except OSError as exc:
                raise Refused(folder / name, UNWRITABLE, strerror=exc.strerror or str(exc)) from None
        staged = []
    finally:
        for temporary, _name in staged:
            try:
                os.unlink(temporary, dir_fd=descriptor)
            except OSError:
                pass
        os.close(descriptor)


def _open_folder(folder: Path, guard: Path | None) -> int:
    """A descriptor of `folder`, made if missing; below `guard`, every folder opened without following a link."""
    if guard is None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return os.open(folder, _DIRECTORY)
        except OSError as exc:
            raise Refused(folder, UNWRITABLE, strerror=exc.strerror or str(exc)) from None
    try:
        below = folder.relative_to(guard).parts
    except ValueError:
        raise Refused(folder, OUTSIDE, folder=guard) from None
    try:
        guard.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(guard, _DIRECTORY)
    except OSError as exc:
        raise Refused(guard, UNWRITABLE, strerror=exc.strerror or str(exc)) from None
    here = guard
    for part in below:
        here = here / part
        try:
            try:
                following = os.open(part, _DIRECTORY | _NOFOLLOW, dir_fd=descriptor)
            except FileNotFoundError:
                os.mkdir(part, 0o777, dir_fd=descriptor)
                following = os.open(part, _DIRECTORY | _NOFOLLOW, dir_fd=descriptor)
        except OSError as exc:
            os.close(descriptor)
            _refuse_folder(here, exc)
        os.close(descriptor)
        descriptor = following
    return descriptor


def _refuse_folder(path: Path, exc: OSError):
    if os.path.islink(path):
        raise Refused(path, LINK) from None
    if exc.errno == errno.ENOTDIR:
        try:
            kind = kind_of(os.lstat(path).st_mode)
        except OSError:
            kind = "not a folder"
        raise Refused(path, NOT_REGULAR, kind=kind) from None
    raise Refused(path, UNWRITABLE, strerror=exc.strerror or str(exc)) from None


def _check_target(folder: Path, name: str, descriptor: int) -> None:
    """A file may be replaced only if it is a regular file (or is not there)."""
    try:
        mode = os.lstat(name, dir_fd=descriptor).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise Refused(folder / name, UNWRITABLE, strerror=exc.strerror or str(exc)) from None
    if stat.S_ISLNK(mode):
        raise Refused(folder / name, LINK)
    if not stat.S_ISREG(mode):
        raise Refused(folder / name, NOT_REGULAR, kind=kind_of(mode))

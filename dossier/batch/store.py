"""Storing outputs: atomic writes by rename, and the output folder's lock."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from .. import files
from ..errors import EnvironmentProblem, OutputBusy

LOCK = ".dossier.lock"


def write_files(out: Path, folder: Path, contents: dict[str, bytes | Iterable[bytes]]) -> None:
    """Write the files into `folder` (the output folder `out` or a folder below it) through the door: each
    by a temporary name, then renamed into place, with no symbolic link followed or replaced below `out`.

    A failure before the renames leaves the previous outputs exactly as they were; an interrupted build
    leaves no partial file behind.
    """
    try:
        files.write(folder, contents, guard=out)
    except files.Refused as refused:
        raise EnvironmentProblem(f"cannot write to {folder}: {_shown(refused, folder)}") from None


def _shown(refused: files.Refused, folder: Path) -> str:
    where = "" if refused.path == folder else f"{refused.path}: "
    return where + refused.describe("a file dossier may replace")


@contextlib.contextmanager
def output_lock(out: Path):
    """Hold out/.dossier.lock for the whole build: two builds into one folder would mix their files.

    A POSIX record lock (lockf) belongs to this process alone: worker processes never hold
    it, and the kernel releases it when the process dies, however it dies, so after a
    `kill -9` the next build starts at once. The file is opened without following a
    symbolic link, so a link planted at its name cannot make us truncate another file.
    """
    import fcntl

    try:
        not_a_folder = out.exists() and not out.is_dir()
    except (OSError, ValueError) as exc:  # a name too long, a NUL in it
        raise EnvironmentProblem(f"output folder {out}: {getattr(exc, 'strerror', None) or exc}") from None
    if not_a_folder:
        raise EnvironmentProblem(f"output folder {out} is a file, not a folder")
    path = out / LOCK
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise EnvironmentProblem(f"{path} is a symbolic link; dossier does not follow it: remove it and "
                                     "build again") from None
        raise EnvironmentProblem(f"cannot write to output folder {out}: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise EnvironmentProblem(f"{path} is not a regular file: remove it and build again")
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise EnvironmentProblem(f"cannot lock {path}: {exc.strerror or exc}") from None
            holder = os.pread(handle, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise OutputBusy(f"output folder {out} is in use by another build ({holder}); "
                             "try again when it has finished") from None
        # The file names its holder while a build runs and is emptied when one ends: text left
        # in it means the last build was killed, and may have left temporary files behind.
        interrupted = bool(os.pread(handle, 200, 0).strip())
        try:
            os.ftruncate(handle, 0)
            os.pwrite(handle, f"pid {os.getpid()}\n".encode(), 0)
        except OSError as exc:  # a full disk, say
            raise EnvironmentProblem(f"cannot write to output folder {out}: {exc.strerror or exc}") from None
        if interrupted:
            remove_stale_temporaries(out)
        yield
        with contextlib.suppress(OSError):
            os.ftruncate(handle, 0)  # only after a build that ended: an exception leaves the mark
    finally:
        os.close(handle)  # releases the lock


_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # the temporary names files.write gives


def remove_stale_temporaries(out: Path) -> None:
    """Delete what a killed build left half-written: only our own temporary names, only under the lock.

    Called only after a build that did not end (see output_lock): one listing per profile folder.
    """
    folders = [out]
    with contextlib.suppress(OSError):
        folders += [Path(entry.path) for entry in os.scandir(out) if entry.is_dir(follow_symlinks=False)]
    for folder in folders:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if _TEMPORARY.match(entry.name) and entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)

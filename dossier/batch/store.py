"""Storing outputs: atomic writes by rename, and the output folder's lock."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ..errors import EnvironmentProblem, OutputBusy

LOCK = ".dossier.lock"

_UMASK = os.umask(0o022)
os.umask(_UMASK)


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

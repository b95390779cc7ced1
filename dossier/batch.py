"""Build profiles: load, render every format, verify in memory, then write atomically."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .content import load_profile
from .errors import DossierError, EnvironmentProblem, UsageError, VerificationError
from .formats import RenderOptions, get_format, output_name
from .verify import OutputCheck, check_outputs

_UMASK = os.umask(0o022)
os.umask(_UMASK)


@dataclass
class ProfileResult:
    """What happened to one content file."""

    source: Path
    slug: str | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    checks: list[OutputCheck] = field(default_factory=list)
    error: DossierError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(check.ok for check in self.checks)


def find_profiles(paths: list[str | Path]) -> list[Path]:
    """Content files named on the command line: files as given, folders as their *.yaml files."""
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


def build_profile(source: Path, formats: list[str], out: Path, env, options: RenderOptions,
                  *, warn=None) -> ProfileResult:
    """Load one profile, render and verify every format in memory, then write all outputs.

    Nothing is written unless every format rendered and passed verification.
    """
    result = ProfileResult(Path(source))
    profile = load_profile(source, strict=options.strict, warn=warn)
    result.slug = profile.slug
    folder = out / profile.slug
    rendered = {fmt: (output_name(fmt, profile.slug), get_format(fmt).render(profile, env, options))
                for fmt in formats}
    result.checks = check_outputs(profile, rendered)
    failed = [check for check in result.checks if not check.ok]
    if failed:
        raise VerificationError(f"{source}: verification failed, nothing written: "
                                + " | ".join(check.describe() for check in failed))
    write_files(folder, {name: data for name, data in rendered.values()})
    result.outputs = {fmt: folder / name for fmt, (name, _data) in rendered.items()}
    return result


def check_profile(source: Path, formats: list[str], out: Path, *, strict: bool = False, warn=None) -> ProfileResult:
    """Verify outputs already on disk against the content, without building."""
    result = ProfileResult(Path(source))
    profile = load_profile(source, strict=strict, warn=warn)
    result.slug = profile.slug
    outputs = {}
    for fmt in formats:
        path = out / profile.slug / output_name(fmt, profile.slug)
        try:
            outputs[fmt] = (str(path), path.read_bytes())
        except FileNotFoundError:
            raise VerificationError(f"{path}: not found; build it first") from None
        result.outputs[fmt] = path
    result.checks = check_outputs(profile, outputs)
    return result


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write every file to a temporary name in `folder`, then rename each into place.

    A failure before the renames leaves the previous outputs exactly as they were.
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

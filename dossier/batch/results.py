"""What a build tells of each content file: built, skipped (unchanged), checked or failed, and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DossierError


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


def fail(result: ProfileResult, exc: DossierError) -> None:
    result.status = "failed"
    result.error, result.exit_code = exc.message, exc.exit_code

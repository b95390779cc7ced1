"""Error categories: one base class, one subclass per kind of failure, each with its exit code."""

from __future__ import annotations


class DossierError(Exception):
    """A failure the user can act on: printed as `error: …` lines, exits with `exit_code`."""

    exit_code = 1
    kind = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(DossierError):
    """Bad command-line arguments (an unknown format, a file that does not exist)."""

    exit_code = 2


class ContentError(DossierError):
    """A content file is not valid: every problem of the file, one per line."""

    exit_code = 3

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class TemplateError(DossierError):
    """A template cannot be loaded or rendered; names the template file and line."""

    exit_code = 4


class RenderError(DossierError):
    """A deliverable cannot be produced as required (e.g. the fact sheet does not fit one page)."""

    exit_code = 5


class VerificationError(DossierError):
    """A finished output does not carry every fact."""

    exit_code = 6


class EnvironmentProblem(DossierError):
    """The machine lacks something: a system library, a font, a writable output folder."""

    exit_code = 7


class OutputBusy(DossierError):
    """Another build holds the output folder's lock; try again later."""

    exit_code = 8


EXIT_CODES = {
    0: "success: every output built and verified",
    1: "unexpected internal error (a bug: the traceback is printed)",
    UsageError.exit_code: "usage error: bad arguments, unknown format, missing input file",
    ContentError.exit_code: "content error: a YAML file is invalid (file:line:col: key.path: message)",
    TemplateError.exit_code: "template error: a template is missing, has a syntax error or uses an undefined name",
    RenderError.exit_code: "render error: e.g. the fact sheet does not fit one page at the smallest type size",
    VerificationError.exit_code: "verification failed: an output is missing facts (nothing is written)",
    EnvironmentProblem.exit_code: "environment error: missing system library, template folder that does not "
                                  "exist, output folder that cannot be written",
    OutputBusy.exit_code: "output folder busy: another build holds its lock (safe to retry)",
    130: "interrupted (Ctrl-C, SIGTERM): no partial file is left behind",
}

"""dossier: one YAML profile → a PDF fact sheet, a Word report and Markdown, each verified.

The package root only re-exports the public API; the heavy parts load when something is built.
"""

from ._meta import __version__
from .errors import DossierError


def build(paths=None, **options):
    """Build profiles from Python; the keywords are the options of `dossier.options.OPTIONS`.

    >>> results = dossier.build(["content/"], formats=("pdf", "md"), out="output", jobs=2)
    >>> [(r.slug, r.status, r.hashes) for r in results]
    """
    from .batch import build as _build

    return _build(paths, **options)


def check(paths=None, **options):
    """Verify outputs already built against their content; the same keywords as build()."""
    from .batch import check as _check

    return _check(paths, **options)


__all__ = ["DossierError", "__version__", "build", "check"]

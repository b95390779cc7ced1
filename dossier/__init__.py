"""dossier: one YAML profile → a PDF fact sheet, a Word report and Markdown, each verified."""

__version__ = "0.1.0"


def build(paths, **options):
    """Build profiles from Python; see dossier.batch.build for the options.

    >>> results = dossier.build(["content/"], formats=("pdf", "md"), out="output", jobs=2)
    >>> [(r.slug, r.status, r.hashes) for r in results]
    """
    from .batch import build as _build  # the heavy parts load only when something is built

    return _build(paths, **options)

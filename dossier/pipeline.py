"""One profile, in phases: load → Document → render → verify. Batch builds, `check`, `review` and `redline`
all go this one way, with the one configuration a build starts from.

Read `build_profile` top to bottom, as pandoc's writeDocx reads: each phase is a function here, and
each takes what the phase before it made. Nothing is written to disk here: the bytes go back to the
caller (a batch worker sends them to the coordinator, which stores them atomically).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .brand import Brand
from .errors import EnvironmentProblem
from .formats import FORMATS, Rendered
from .options import RenderOptions
from .templating import RenderLimits, Theme


@dataclass(frozen=True)
class BuildConfig:
    """Everything besides content that the outputs depend on, read once where the build starts and sent
    with every unit of work: workers (on other machines too) read no file of the user's but the content."""

    formats: tuple[str, ...] = tuple(FORMATS)
    theme: Theme = Theme()
    brand: Brand | None = None
    options: RenderOptions = RenderOptions()  # the writers' options, the reference document's bytes among them
    timings: bool = False  # time each phase of the work
    limits: RenderLimits = RenderLimits()  # what one render of a theme template may spend

    @classmethod
    def from_settings(cls, settings, warn=None) -> "BuildConfig":
        """The settings' files read once, here (a brand's warnings go to `warn`)."""
        from .brand import load_brand

        reference = None
        if settings.reference_docx is not None:
            from .formats.docx.reference import read_reference

            reference = read_reference(Path(settings.reference_docx))
        brand = None
        if settings.brand is not None:
            path = Path(settings.brand)
            if not path.exists() and not path.is_symlink():
                raise EnvironmentProblem(f"brand file {path} does not exist")
            brand = load_brand(path, warn, strict=settings.strict)
            if brand.logo is not None:
                _draw_logo(brand)
        return cls(tuple(settings.formats), Theme.read(settings.templates), brand,
                   RenderOptions.from_settings(settings, reference), settings.timings,
                   RenderLimits.from_settings(settings))

    @property
    def strict(self) -> bool:
        return self.options.strict


def _draw_logo(brand: Brand) -> None:
    """Draw the brand's logo as the Word report will show it, once, before any profile is built: a logo
    that cannot be drawn is refused here, for every profile at once."""
    from .errors import ContentError, RenderError
    from .formats.pdf.pictures import logo_png

    try:
        logo_png(brand.logo)
    except RenderError as exc:
        raise ContentError([f"{brand.source}: logo {brand.logo.filename!r} cannot be used: {exc.message}"]) from None


@dataclass(frozen=True)
class Built:
    """One profile rendered and verified, in memory: the finished files, what verification found, and the
    files written beside them (pictures, a kept HTML), which are not verified."""

    slug: str
    files: dict[str, tuple[str, bytes]]  # format → (file name, bytes)
    checks: tuple  # verify.OutputCheck, one per format, in the order of `files`
    companions: dict[str, bytes] = field(default_factory=dict)


class Stopwatch:
    """Wall and CPU seconds per stage, when on: `with clock("render pdf"): …`; `times` {stage: (wall, cpu)}."""

    def __init__(self, on: bool):
        self.on = on
        self.times: dict[str, tuple[float, float]] = {}

    @contextlib.contextmanager
    def __call__(self, stage: str):
        if not self.on:
            yield
            return
        import time

        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - wall, time.process_time() - cpu)

    def add(self, stage: str, wall: float, cpu: float) -> None:
        before = self.times.get(stage, (0.0, 0.0))
        self.times[stage] = (before[0] + wall, before[1] + cpu)


def build_profile(source: str, content: bytes | None, config: BuildConfig, *, warn: Callable[[str], None],
                  clock: Stopwatch | None = None) -> Built:
    """The whole way for one content file; raises the DossierError of the phase that fails."""
    clock = clock or Stopwatch(False)
    if config.timings:
        with clock("imports (first profile of each worker)"):
            import_renderers(config.formats)  # once per process in effect: Python keeps modules imported
    # 1. Load: the content file's bytes → the typed Profile, every problem of the file at once.
    with clock("load and validate"):
        profile = load(source, config, data=content, warn=warn)
    # 2. Document: ledger, metadata, words, template context and the long-form report, built once.
    with clock("document and context"):
        document = make_document(profile, config)
        document.context
        if any(FORMATS[fmt].from_report for fmt in config.formats):
            document.report
    # 3. Pictures: drawn once, for the formats that show the report's (the Word report, the Markdown).
    if any(FORMATS[fmt].from_report for fmt in config.formats) and document.picture_names:
        from .formats.pdf.pictures import report_pictures

        with clock("timeline picture"):
            report_pictures(document)
    # 4. Render: each format's writer, on the one Document.
    rendered: dict[str, Rendered] = {}
    for fmt in config.formats:
        with clock(f"render {fmt}"):
            rendered[fmt] = render(document, fmt, config.options)
    # 5. Verify: each finished file read back as its readers read it, every fact and the metadata.
    files = {fmt: (FORMATS[fmt].output_name(profile.slug), output.data) for fmt, output in rendered.items()}
    checks = []
    for fmt, (name, data) in files.items():
        with clock(f"verify {fmt}"):
            checks.extend(verify(document, {fmt: (name, data)}))
    companions = {name: data for output in rendered.values() for name, data in output.companions.items()}
    return Built(profile.slug, files, tuple(checks), companions)


def load(source: str | Path, config: BuildConfig, *, data: bytes | None = None, warn=None, label=None):
    """Phase 1: the typed Profile of a content file (`data`: its bytes, when read already; `label`: the
    name messages give it, when it is not `source`, e.g. 'content/x.yaml@HEAD~1')."""
    from .content import load_profile

    return load_profile(label or source, strict=config.strict, warn=warn, data=data)


def make_document(profile, config: BuildConfig):
    """Phase 2: the profile's Document, in the build's theme and brand."""
    from .document import Document
    from .templating import environment_for

    return Document(profile, environment_for(config.theme, config.limits), strict=config.strict, brand=config.brand)


def render(document, fmt: str, options: RenderOptions) -> Rendered:
    """Phase 4: one format's finished file (and its companions) from the Document."""
    rendered = FORMATS[fmt].writer().render(document, options)
    for name in rendered.companions:  # the output folder holds only files a format declares
        if not FORMATS[fmt].companion(name, document.slug):
            raise RuntimeError(f"the {fmt} writer made {name!r}, which its Format does not declare")
    return rendered


def verify(document, files: dict[str, tuple[str, bytes]]) -> list:
    """Phase 5: read each finished file back, {format: (name shown, bytes)} → verify.OutputCheck each."""
    from .verify import check_output

    return [check_output(document, fmt, name, data) for fmt, (name, data) in files.items()]


def verify_built(profile, files: dict[str, tuple[str, bytes]]) -> list:
    """Phase 5 on files already built (`dossier check`): against the profile's ledger and metadata, which
    need no theme."""
    from .document import Document

    return verify(Document(profile), files)


def import_renderers(formats) -> None:
    """Import what rendering needs, so that a timed first profile does not carry the imports."""
    for fmt in formats:
        FORMATS[fmt].writer().prepare()

"""The one-page fact sheet: factsheet.html.j2 through WeasyPrint, shrunk in steps to fit one page."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from ..context import build_context
from ..errors import EnvironmentProblem, RenderError
from ..templating import render_template, template_folders

NAME = "pdf"
LABEL = "PDF fact sheet"
FILENAME = "{slug}-factsheet.pdf"
TEMPLATE = "factsheet.html.j2"

# Root font size in pt, largest first: 9 pt at full size, never below the 7.5 pt floor.
FONT_STEPS = (9.0, 8.5, 8.0, 7.5)
PAPER = {"a4": "A4", "letter": "letter"}

_weasyprint = None


def _load_weasyprint():
    """Import WeasyPrint once, on first use: it costs half a second and needs Pango."""
    global _weasyprint
    if _weasyprint is None:
        try:
            import weasyprint
        except OSError as exc:  # cffi cannot open libpango / libharfbuzz
            raise EnvironmentProblem(
                f"WeasyPrint cannot load a system library ({exc}); install Pango: "
                "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0") from None
        _weasyprint = weasyprint
    return _weasyprint


def _fetcher_class(weasyprint):
    class TemplateFolderFetcher(weasyprint.urls.URLFetcher):
        """Fetches data: URLs and files inside the template folders; refuses everything else."""

        def __init__(self, folders: list[Path]):
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
            self.folders = [folder.resolve() for folder in folders]
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                from urllib.request import url2pathname

                path = Path(url2pathname(url.split("?")[0].split("#")[0].removeprefix("file:"))).resolve()
                if not any(path.is_relative_to(folder) for folder in self.folders) or not path.is_file():
                    self.refused.append(url)
                    raise ValueError(f"refused: {url} is outside the template folders")
            elif not url.startswith("data:"):
                self.refused.append(url)
                raise ValueError(f"refused: {url} (only data: and template files may be loaded)")
            return super().fetch(url, headers)

    return TemplateFolderFetcher


def render(profile, env, options) -> bytes:
    """Render the fact sheet to PDF bytes, exactly one page, or raise RenderError."""
    weasyprint = _load_weasyprint()
    context = build_context(profile)
    folders = template_folders(env)
    fetcher = _fetcher_class(weasyprint)(folders)
    paper = PAPER.get(options.paper)
    if paper is None:
        raise RenderError(f"unknown paper size {options.paper!r} (known: {', '.join(PAPER)})")
    spilled: list[str] = []
    for size in FONT_STEPS:
        html = render_template(env, TEMPLATE, {**context, "paper": paper, "font_size": size})
        document = weasyprint.HTML(string=html, base_url=str(folders[0]) + "/", url_fetcher=fetcher).render()
        if len(document.pages) == 1:
            return document.write_pdf(pdf_variant="pdf/ua-1")
        spilled = _blocks_after_first_page(document)
    raise RenderError(
        f"{profile.source}: the fact sheet does not fit one {options.paper.upper() if options.paper == 'a4' else options.paper} "
        f"page even at {FONT_STEPS[-1]} pt; spilling onto page 2: {', '.join(spilled) or 'unknown blocks'}; "
        "shorten that content")


def _blocks_after_first_page(document) -> list[str]:
    names: list[str] = []
    for page in document.pages[1:]:
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            name = element.get("data-block") if element is not None else None
            if name and name not in names:
                names.append(name)
    return names


def read_text(data: bytes) -> str:
    """The text layer of every page, as a PDF viewer's copy would give it."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(io.BytesIO(data))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def read_metadata(data: bytes) -> dict[str, str]:
    """The PDF's document information, in the keys of context.metadata()."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(io.BytesIO(data))
    try:
        info = pdf.get_metadata_dict()
        catalog_lang = _catalog_language(pdf)
    finally:
        pdf.close()
    created = info.get("CreationDate", "")  # D:YYYYMMDDHHmmSS…
    return {
        "title": info.get("Title", ""),
        "subject": info.get("Subject", ""),
        "author": info.get("Author", ""),
        "keywords": info.get("Keywords", ""),
        "language": catalog_lang,
        "created": f"{created[2:6]}-{created[6:8]}-{created[8:10]}" if created.startswith("D:") else "",
    }


def _catalog_language(pdf) -> str:
    """The document catalog's /Lang (pypdfium2 has no helper for it)."""
    import ctypes

    import pypdfium2.raw as pdfium

    size = pdfium.FPDFCatalog_GetLanguage(pdf.raw, None, 0)  # bytes, UTF-16LE with terminator
    if size <= 2:
        return ""
    buffer = (ctypes.c_ushort * (size // 2))()
    pdfium.FPDFCatalog_GetLanguage(pdf.raw, buffer, size)
    return bytes(buffer).decode("utf-16-le").rstrip("\x00")

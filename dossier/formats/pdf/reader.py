"""Reading a fact sheet back: its text layer and its document information, with pypdfium2."""

from __future__ import annotations

import io


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

"""Reading a fact sheet back with pypdfium2: its text layer, its page count, whether the text layer's
facts are visibly drawn, and its document information."""

from __future__ import annotations

import bisect
import ctypes
import io
import math
from typing import TYPE_CHECKING

from ...errors import VerificationError

if TYPE_CHECKING:
    from .. import Reading

# The drawing check renders the page in grey at 108 dpi: enough to tell a blanked digit of a key figure
# from its neighbours (72 dpi is not, and pdfium draws small text up to 2 pixels off its box there).
INK_SCALE = 1.5
# A glyph is drawn when some pixel in its box differs this much (of 255) from the text's background:
# less contrast than that is text a reader does not see.
INK_CONTRAST = 24
# pdfium draws a glyph up to a pixel away from the box its text layer gives (it rounds the pen position
# and hints the outline; ¾ pixel measured at 108 dpi on 7 pt text): look that far around each box.
SLACK = 1.0
# Characters drawn blank by design, which need no ink: variation selectors, fillers, the combining
# grapheme joiner, the blank braille pattern (spaces are known by str.isspace).
BLANK_BY_DESIGN = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0"
                            + "".join(map(chr, range(0xFE00, 0xFE10))) + "".join(map(chr, range(0xE0100, 0xE01F0))))
# A fact sheet is one page; a file with very many pages is not read to its end (it fails anyway).
MAX_PAGES = 100
# The most pixels a page is rendered with for the drawing check (an A4 page at 108 dpi has 1.1 million).
MAX_PIXELS = 16_000_000


def read_text(data: bytes, reading: Reading | None = None) -> str:
    """The text layer of every page (of the first MAX_PAGES), as a PDF viewer's copy would give it.

    With a `formats.Reading`: a fact sheet of other than one page is a problem, and the characters at
    the places `reading.locate(text)` names that leave no ink on the page go to `reading.undrawn`:
    text rendered invisibly, in the background's colour, covered, clipped, off the page or with empty
    glyphs.
    """
    import pypdfium2

    pdf = _open(data)
    try:
        pages = [(page, page.get_textpage()) for page in map(pdf.get_page, range(min(len(pdf), MAX_PAGES)))]
        texts = [textpage.get_text_range() for _page, textpage in pages]
        text = "\n".join(texts)
        if reading is not None:
            if len(pdf) != 1:
                reading.problems.append(f"{len(pdf)} pages; a fact sheet is one page")
            places = reading.locate(text)
            if places:
                reading.undrawn.update(_undrawn(pages, texts, places))
        return text
    except pypdfium2.PdfiumError as exc:
        raise _unreadable(exc) from None
    finally:
        pdf.close()


def read_metadata(data: bytes) -> dict[str, str]:
    """The PDF's document information, in the keys of context.metadata()."""
    import pypdfium2

    pdf = _open(data)
    try:
        info = pdf.get_metadata_dict()
        catalog_lang = _catalog_language(pdf)
    except pypdfium2.PdfiumError as exc:
        raise _unreadable(exc) from None
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


def _open(data: bytes):
    import pypdfium2

    try:
        return pypdfium2.PdfDocument(io.BytesIO(data))
    except pypdfium2.PdfiumError as exc:
        raise _unreadable(exc) from None


def _unreadable(exc) -> VerificationError:
    import pypdfium2.raw as pdfium

    reason = {pdfium.FPDF_ERR_FORMAT: "it is not a PDF, or it is damaged",
              pdfium.FPDF_ERR_PASSWORD: "it is encrypted with a password",
              pdfium.FPDF_ERR_SECURITY: "it is encrypted with a security handler pdfium does not support",
              }.get(getattr(exc, "err_code", None), str(exc).rstrip("."))
    return VerificationError(f"cannot be read as a PDF: {reason}")


def _catalog_language(pdf) -> str:
    """The document catalog's /Lang (pypdfium2 has no helper for it)."""
    import pypdfium2.raw as pdfium

    size = pdfium.FPDFCatalog_GetLanguage(pdf.raw, None, 0)  # bytes, UTF-16LE with terminator
    if size <= 2:
        return ""
    buffer = (ctypes.c_ushort * (size // 2))()
    pdfium.FPDFCatalog_GetLanguage(pdf.raw, buffer, size)
    return bytes(buffer).decode("utf-16-le").rstrip("\x00")


def _undrawn(pages, texts: list[str], places) -> set[int]:
    """The indices (into the pages' texts joined by line ends) of the places' characters that leave no ink."""
    starts, start = [], 0
    for text in texts:
        starts.append(start)
        start += len(text) + 1
    by_page: dict[int, list[list[int]]] = {}
    for place in places:
        if not place:
            continue
        number = bisect.bisect_right(starts, place[0]) - 1
        if bisect.bisect_right(starts, place[-1]) - 1 != number:  # across a page break: the part on each page
            for index in place:
                page = bisect.bisect_right(starts, index) - 1
                by_page.setdefault(page, []).append([index - starts[page]])
            continue
        by_page.setdefault(number, []).append([index - starts[number] for index in place])
    undrawn = set()
    for number, spots in by_page.items():
        try:
            ink = _PageInk(*pages[number], texts[number])
        except _Blank:
            undrawn.update(starts[number] + index for spot in spots for index in spot)
            continue
        for spot in spots:
            undrawn.update(starts[number] + index for index in ink.undrawn(spot))
    return undrawn


class _Blank(Exception):
    """A page with no area to draw on."""


class _PageInk:
    """One page rendered in grey, to tell whether characters of its text layer leave ink."""

    def __init__(self, page, textpage, text: str):
        import pypdfium2.raw as pdfium

        self.pdfium = pdfium
        self.textpage = textpage
        self.text = text
        width, height = page.get_size()
        # A page far bigger than a sheet of paper is drawn coarser, so that its bitmap stays small.
        scale = min(INK_SCALE, math.sqrt(MAX_PIXELS / max(width * height, 1.0)))
        if width * scale < 1 or height * scale < 1:  # nothing can be seen on a page without area
            raise _Blank
        bitmap = page.render(scale=scale, grayscale=True, draw_annots=True)
        self.width, self.height, self.stride = bitmap.width, bitmap.height, bitmap.stride
        self.pixels = bytes(bitmap.buffer)
        bitmap.close()
        # Page space → bitmap pixels: an affine map, from three points far apart (pdfium rounds to pixels).
        args = (0, 0, self.width, self.height, 0)
        x, y = ctypes.c_int(), ctypes.c_int()

        def device(page_x: float, page_y: float) -> tuple[int, int]:
            pdfium.FPDF_PageToDevice(page, *args, page_x, page_y, x, y)
            return x.value, y.value

        far = 10000.0
        (x0, y0), (x1, y1), (x2, y2) = device(0, 0), device(far, 0), device(0, far)
        self.matrix = ((x1 - x0) / far, (x2 - x0) / far, x0, (y1 - y0) / far, (y2 - y0) / far, y0)
        # Python string index → pdfium char index: the same unless pdfium's text differs from its list of
        # characters (rare), or a character beyond U+FFFF takes two UTF-16 units.
        self.char_index = None
        utf16 = len(text.encode("utf-16-le")) // 2
        if utf16 != len(text) or pdfium.FPDFText_CountChars(textpage) != utf16:
            self.char_index, offset = [], 0
            for char in text:
                self.char_index.append(pdfium.FPDFText_GetCharIndexFromTextIndex(textpage, offset))
                offset += 2 if ord(char) > 0xFFFF else 1
        self.box = [ctypes.c_double() for _ in range(4)]
        self.tables: dict[int, bytes] = {}

    def undrawn(self, spot: list[int]) -> list[int]:
        """The indices of one place's characters that leave no ink. The place is cut into lines (boxes
        that overlap vertically), and each line's pixels are compared with the background just above
        and below it, column by column: a character is drawn if a column under it has ink."""
        get_box, textpage, text, char_index = self.pdfium.FPDFText_GetCharBox, self.textpage.raw, self.text, self.char_index
        left, right, bottom, top = self.box
        a, b, c, d, e, f = self.matrix
        width, height = self.width, self.height
        lines: list[tuple[list[int], list[tuple[int, int, int]]]] = []  # (pixel box of the line, its characters)
        found: list[int] = []
        line: list[int] | None = None
        floor, ceil = math.floor, math.ceil
        for index in spot:
            if index >= len(text) or text[index].isspace() or text[index] in BLANK_BY_DESIGN:
                continue  # nothing to draw (or the line end between two pages)
            char = index if char_index is None else char_index[index]
            if char < 0 or not get_box(textpage, char, left, right, bottom, top):
                found.append(index)
                continue
            l, r, bt, tp = left.value, right.value, bottom.value, top.value
            # The pixels the box (SLACK wider) covers at least a quarter of, in each direction; at least one.
            if b == 0 and d == 0:  # an upright page
                xa, xb, ya, yb = a * l + c, a * r + c, e * tp + f, e * bt + f
            else:
                xa, xb, ya, yb = a * l + b * bt + c, a * r + b * tp + c, d * l + e * bt + f, d * r + e * tp + f
            if xa > xb:
                xa, xb = xb, xa
            if ya > yb:
                ya, yb = yb, ya
            x0, y0 = floor(xa - SLACK + 0.25), floor(ya - SLACK + 0.25)
            x1, y1 = ceil(xb + SLACK - 0.25), ceil(yb + SLACK - 0.25)
            if x1 <= x0:
                x1 = x0 + 1
            if y1 <= y0:
                y1 = y0 + 1
            if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
                x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
                if x0 >= x1 or y0 >= y1:  # off the page
                    found.append(index)
                    continue
            if line is None or y0 >= line[3] or y1 <= line[1]:
                line = [x0, y0, x1, y1]
                lines.append((line, [(index, x0, x1)]))
                continue
            line[0] = min(line[0], x0)
            line[2] = max(line[2], x1)
            line[1] = min(line[1], y0)
            line[3] = max(line[3], y1)
            lines[-1][1].append((index, x0, x1))
        for (x0, y0, x1, y1), chars in lines:
            inked = self._inked_columns(x0, y0, x1, y1)
            found += [index for index, cx0, cx1 in chars if inked.find(1, cx0 - x0, cx1 - x0) == -1]
        return found

    def _inked_columns(self, x0: int, y0: int, x1: int, y1: int) -> bytes:
        """For each column of the box, 1 where a pixel differs from the background by INK_CONTRAST."""
        stride, pixels = self.stride, self.pixels
        border = b""
        if y0 > 0:
            border += pixels[(y0 - 1) * stride + x0:(y0 - 1) * stride + x1]
        if y1 < self.height:
            border += pixels[y1 * stride + x0:y1 * stride + x1]
        background = sorted(border)[len(border) // 2] if border else 255
        table = self.tables.get(background)
        if table is None:
            table = self.tables[background] = bytes(int(abs(grey - background) >= INK_CONTRAST) for grey in range(256))
        inked = 0
        for row in range(y0, y1):
            inked |= int.from_bytes(pixels[row * stride + x0:row * stride + x1].translate(table), "big")
        return inked.to_bytes(x1 - x0, "big")

"""Reading a Word report back: the text a reader sees in every paragraph (body, tables, headers, footers),
the runs a reader does not see, and the core properties. A picture is no text: its paragraph reads empty."""

from __future__ import annotations

import hashlib
import threading
from typing import TYPE_CHECKING, ClassVar

from .ooxml import CORE_NS, DOCUMENT, Package, W, core_properties_name

if TYPE_CHECKING:
    from .. import Reading

# Text smaller than this (in half-points, as w:sz counts) is too small to read.
SMALLEST_READABLE = 4
# Text whose colour is this close (each of red, green and blue, of 255) to its background is not seen.
SAME_COLOUR = 16
HIGHLIGHTS = {"black": "000000", "blue": "0000FF", "cyan": "00FFFF", "darkBlue": "000080", "darkCyan": "008080",
              "darkGray": "808080", "darkGreen": "008000", "darkMagenta": "800080", "darkRed": "800000",
              "darkYellow": "808000", "green": "00FF00", "lightGray": "C0C0C0", "magenta": "FF00FF",
              "red": "FF0000", "white": "FFFFFF", "yellow": "FFFF00"}
# The run properties that decide whether a run is seen.
LOOKS = {"vanish", "sz", "szCs", "color", "highlight", "shd", "rtl", "cs"}
UNKNOWN = "?"  # a background this reader cannot tell (patterned shading)


def read_text(data: bytes, reading: Reading | None = None) -> str:
    """Every paragraph's text in the body (tables included), headers and footers, one per line:
    the text a reader sees, without runs that are hidden, in their background's colour or too small
    to read. With a `formats.Reading`, those runs are noted there as a problem, and the text with them
    put back as `hidden_text`."""
    lines: list[str] = []
    every_line: list[str] = []
    hidden_runs: dict = {}  # run → why a reader does not see it
    with Package(data) as package:
        names = [DOCUMENT] + sorted(
            n for n in package.names if n.startswith(("word/header", "word/footer")) and n.endswith(".xml"))
        roots = [package.xml(name) for name in names]
        looks = _Looks(_Styles.of(package), roots[0])
    for root in roots:
        for paragraph in root.iter(f"{W}p"):
            seen, every = [], []
            for node in paragraph.iter(f"{W}t", f"{W}tab", f"{W}br"):
                part = node.text or "" if node.tag == f"{W}t" else " "
                every.append(part)
                run = node.getparent()
                why = looks.unseen(run)
                if why is None:
                    seen.append(part)
                else:
                    hidden_runs[run] = why
            # A soft hyphen shows only where Word breaks a line; a line end here is a paragraph's
            # end, never a hyphenation break, so the hyphen must not join two paragraphs.
            lines.append("".join(seen).replace("\u00ad", ""))
            every_line.append("".join(every).replace("\u00ad", ""))
    runs = [(text, why) for run, why in hidden_runs.items()
            if (text := "".join(t.text or "" for t in run.iter(f"{W}t"))).strip()]
    if reading is not None and runs:
        reading.hidden_text = "\n".join(every_line)
        reading.problems.append(_hidden_runs_problem(runs))
    return "\n".join(lines)


def _hidden_runs_problem(runs: list[tuple[str, str]]) -> str:
    """'hidden text in 3 runs: 'Aurora Lab' (marked hidden), …': what is hidden, and how, a few examples."""
    shown = [f"{_shorten(text)!r} ({why})" for text, why in runs[:3]]
    more = f" and {len(runs) - 3} more" if len(runs) > 3 else ""
    return f"hidden text in {len(runs)} run{'s' if len(runs) != 1 else ''}: {', '.join(shown)}{more}"


def _shorten(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def read_metadata(data: bytes) -> dict[str, str]:
    """The core properties, in the keys of context.metadata()."""
    with Package(data) as package:
        name = core_properties_name(package)
        root = package.xml(name) if name in package.names else None

    def text(path: str) -> str:
        element = root.find(path, CORE_NS) if root is not None else None
        return element.text or "" if element is not None else ""

    return {
        "title": text("dc:title"),
        "subject": text("dc:subject"),
        "author": text("dc:creator"),
        "keywords": text("cp:keywords"),
        "language": text("dc:language"),
        "created": text("dcterms:created")[:10],  # 2026-04-01T00:00:00Z → the date
    }


class _Styles:
    """A styles part, as far as seeing runs goes: parsed once per process for each distinct part (every
    report made on one reference document has the same one, and it is big: 300 kB by default)."""

    cache: ClassVar[dict[bytes, _Styles]] = {}
    lock = threading.Lock()

    @classmethod
    def of(cls, package: Package) -> _Styles:
        data = package.read("word/styles.xml") if "word/styles.xml" in package.names else b""
        key = hashlib.sha256(data).digest()
        with cls.lock:
            found = cls.cache.get(key)
        if found is None:
            found = cls(package.parse("word/styles.xml", data) if data else None)
            with cls.lock:
                if len(cls.cache) >= 8:
                    cls.cache.pop(next(iter(cls.cache)))
                cls.cache[key] = found
        return found

    def __init__(self, root):
        self.styles = {}  # (type, id) → w:style
        self.default_paragraph_style = None
        self.defaults: dict = {}  # the document defaults' run looks
        if root is not None:
            for style in root.iter(f"{W}style"):
                kind, style_id = style.get(f"{W}type"), style.get(f"{W}styleId")
                self.styles[kind, style_id] = style
                if kind == "paragraph" and style.get(f"{W}default") in ("1", "true", "on"):
                    self.default_paragraph_style = style_id
            defaults = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
            self.defaults = _looks_in(defaults) if defaults is not None else {}
        self.inherited: dict = {}
        self.tables: dict = {}

    def inherited_looks(self, paragraph_style: str | None, character_style: str | None) -> dict:
        """{property: element} from the paragraph and character styles, the nearest winning."""
        key = (paragraph_style, character_style)
        looks = self.inherited.get(key)
        if looks is None:
            looks = {}
            for properties in reversed(self.chain("character", character_style) + self.chain("paragraph",
                                                                                              paragraph_style)):
                if properties is not None:
                    looks.update(_looks_in(properties))
            self.inherited[key] = looks
        return looks

    def table_regions(self, style_id: str | None) -> dict[str, tuple[dict, str | None]]:
        """{region ('wholeTable', 'firstRow', …): (run looks, cell shading)} of a table style, with
        the styles it is based on."""
        if style_id not in self.tables:
            regions: dict[str, tuple[dict, str | None]] = {}
            for style in reversed(self.chain("table", style_id, None)):
                parts = [("wholeTable", style)] + [(part.get(f"{W}type"), part) for part in style.iter(f"{W}tblStylePr")]
                for region, part in parts:
                    looks, fill = regions.get(region, ({}, None))
                    properties = part.find(f"{W}rPr")
                    shading = _shading(part.find(f"{W}tcPr/{W}shd"))
                    regions[region] = ({**looks, **(_looks_in(properties) if properties is not None else {})},
                                       shading if shading is not None else fill)
            self.tables[style_id] = regions
        return self.tables[style_id]

    def chain(self, kind: str, style_id: str | None, properties: str | None = "rPr") -> list:
        """The style's properties element (or the style itself), then those of the styles it is based on."""
        found, seen = [], set()
        while style_id is not None and style_id not in seen and len(seen) < 32:
            seen.add(style_id)
            style = self.styles.get((kind, style_id))
            if style is None:
                break
            found.append(style.find(f"{W}{properties}") if properties else style)
            style_id = _style_id(style.find(f"{W}basedOn"))
        return found


# The regions of a table a table style formats, from the weakest to the strongest.
TABLE_REGIONS = ("wholeTable", "band1Vert", "band2Vert", "band1Horz", "band2Horz", "firstCol", "lastCol",
                 "firstRow", "lastRow", "neCell", "nwCell", "seCell", "swCell")
# w:tblLook's switches, as attributes or as bits of its older w:val.
TABLE_LOOK = {"firstRow": 0x0020, "lastRow": 0x0040, "firstColumn": 0x0080, "lastColumn": 0x0100,
              "noHBand": 0x0200, "noVBand": 0x0400}


class _Looks:
    """How a document's runs look, as far as seeing them goes: hidden, text colour against the
    background, size.

    A property comes from the run itself, else its character style, else its paragraph's style (each
    style with the styles it is based on), else its table's style (the regions of the table its cell
    is in), else the document defaults. Word toggles w:vanish when a paragraph style and a character
    style both set it; here the nearer one wins.
    """

    def __init__(self, styles: _Styles, document):
        self.styles = styles
        background = document.find(f"{W}background")
        self.page = (_colour(background.get(f"{W}color")) if background is not None else None) or "FFFFFF"
        self.cache: dict = {}
        self.cells: dict = {}
        self.tables: dict = {}  # a table → what its cells share (_table)
        self.rows: dict = {}  # a row → ({its cell: index}, count)

    def unseen(self, run) -> str | None:
        """Why a reader does not see the run's text, or None when they do."""
        if run is None or run.tag != f"{W}r":
            return None
        if run not in self.cache:  # the element, not its id(): lxml may reuse the id of a freed proxy
            paragraph = next(run.iterancestors(f"{W}p"), None)
            self.cache[run] = self._unseen(run, paragraph) if paragraph is not None else None
        return self.cache[run]

    def _unseen(self, run, paragraph) -> str | None:
        direct = run.find(f"{W}rPr")
        character_style = _style_id(direct.find(f"{W}rStyle")) if direct is not None else None
        cell = next(paragraph.iterancestors(f"{W}tc", f"{W}txbxContent"), None)
        table_looks, cell_fill = self._cell(cell) if cell is not None and cell.tag == f"{W}tc" else ({}, None)
        looks = {**self.styles.defaults, **table_looks,
                 **self.styles.inherited_looks(self._paragraph_style(paragraph), character_style)}
        if direct is not None and len(direct):
            looks.update(_looks_in(direct))
        vanish = looks.get("vanish")
        if vanish is not None and _on(vanish):
            return "marked hidden"
        complex_script = any(looks.get(tag) is not None and _on(looks[tag]) for tag in ("rtl", "cs"))
        size = _half_points(looks.get("szCs" if complex_script else "sz"))
        if size is not None and size < SMALLEST_READABLE:
            return f"{size / 2:g} pt"
        colour = looks.get("color")
        colour = _colour(colour.get(f"{W}val")) if colour is not None else None
        if colour is None:
            return None  # automatic: Word picks black or white against the background
        if cell is not None and cell.tag == f"{W}txbxContent":
            return None  # in a text box, whose shape may have a fill of its own
        background = self._background(looks.get("highlight"), looks.get("shd"), paragraph, cell_fill)
        if background != UNKNOWN and _same_colour(colour, background):
            return f"colour {colour} on {background}"
        return None

    def _paragraph_style(self, paragraph) -> str | None:
        return _style_id(paragraph.find(f"{W}pPr/{W}pStyle")) or self.styles.default_paragraph_style

    def _background(self, highlight, shading, paragraph, cell_fill: str | None) -> str:
        """The colour behind a run: its highlight or shading, its paragraph's, its table cell's, the page's."""
        if highlight is not None and highlight.get(f"{W}val") in HIGHLIGHTS:
            return HIGHLIGHTS[highlight.get(f"{W}val")]
        fill = _shading(shading)
        if fill is not None:
            return fill
        for properties in [paragraph.find(f"{W}pPr"), *self.styles.chain("paragraph", self._paragraph_style(paragraph),
                                                                         "pPr")]:
            if properties is not None:
                fill = _shading(properties.find(f"{W}shd"))
                if fill is not None:
                    return fill
        return cell_fill if cell_fill is not None else self.page

    def _table(self, table) -> tuple[dict, dict, dict, int]:
        """What a table's cells share, found once per table: its style's regions, the regions w:tblLook
        switches on, and each row's index among the rows. Found per cell, a table of n rows cost n² (an
        ElementPath find that matches nothing reads every row; a profile of 8,000 facts has such a table)."""
        if table not in self.tables:
            properties = next((child for child in table if child.tag == f"{W}tblPr"), None)
            style = properties.find(f"{W}tblStyle") if properties is not None else None
            look = properties.find(f"{W}tblLook") if properties is not None else None
            rows = [child for child in table if child.tag == f"{W}tr"]
            self.tables[table] = (self.styles.table_regions(_style_id(style)), _switched_on(look),
                                  {row: index for index, row in enumerate(rows)}, len(rows))
        return self.tables[table]

    def _cell(self, cell) -> tuple[dict, str | None]:
        """A table cell's run looks and shading from its table's style (the regions it is in), and the
        cell's own shading."""
        if cell not in self.cells:
            row, table = cell.getparent(), cell.getparent().getparent()
            looks: dict = {}
            fill = None
            if row is not None and table is not None and row.tag == f"{W}tr" and table.tag == f"{W}tbl":
                regions, on, row_index, rows = self._table(table)
                if row not in self.rows:
                    cells = [child for child in row if child.tag == f"{W}tc"]
                    self.rows[row] = ({element: index for index, element in enumerate(cells)}, len(cells))
                cell_index, cells = self.rows[row]
                for region in _regions_of(on, row_index[row], rows, cell_index[cell], cells):
                    region_looks, region_fill = regions.get(region, ({}, None))
                    looks.update(region_looks)
                    fill = region_fill if region_fill is not None else fill
            own = _shading(cell.find(f"{W}tcPr/{W}shd"))
            self.cells[cell] = (looks, own if own is not None else fill)
        return self.cells[cell]


def _switched_on(look) -> dict[str, bool]:
    """{region switch: on} as a table's w:tblLook has them (attributes, or the older hexadecimal val)."""
    bits = 0
    if look is not None:
        try:
            bits = int(look.get(f"{W}val", "0"), 16)
        except ValueError:
            bits = 0
    return {name: (look.get(f"{W}{name}") in ("1", "true", "on")) if look is not None and look.get(f"{W}{name}")
            is not None else bool(bits & bit) for name, bit in TABLE_LOOK.items()}


def _regions_of(on: dict[str, bool], r: int, rows: int, c: int, cells: int) -> list[str]:
    """The regions of its table a cell is in (row r of `rows`, cell c of its row's `cells`), with the
    switches `on` of the table's w:tblLook, weakest first."""
    first_row, last_row = on["firstRow"] and r == 0, on["lastRow"] and r == rows - 1
    first_col, last_col = on["firstColumn"] and c == 0, on["lastColumn"] and c == cells - 1
    found = {"wholeTable"}
    if not on["noVBand"] and not first_col and not last_col:
        found.add("band1Vert" if (c - on["firstColumn"]) % 2 == 0 else "band2Vert")
    if not on["noHBand"] and not first_row and not last_row:
        found.add("band1Horz" if (r - on["firstRow"]) % 2 == 0 else "band2Horz")
    found.update(name for name, is_in in (("firstCol", first_col), ("lastCol", last_col), ("firstRow", first_row),
                                          ("lastRow", last_row), ("nwCell", first_row and first_col),
                                          ("neCell", first_row and last_col), ("swCell", last_row and first_col),
                                          ("seCell", last_row and last_col)) if is_in)
    return [region for region in TABLE_REGIONS if region in found]


def _looks_in(properties) -> dict:
    """{property: element} of the LOOKS properties in a w:rPr."""
    found = {}
    for element in properties:
        if isinstance(element.tag, str) and element.tag.startswith(W) and element.tag[len(W):] in LOOKS:
            found[element.tag[len(W):]] = element
    return found


def _style_id(element) -> str | None:
    return element.get(f"{W}val") if element is not None else None


def _on(element) -> bool:
    return element.get(f"{W}val", "true") not in ("0", "false", "off")


def _half_points(element) -> int | None:
    if element is None:
        return None
    try:
        return int(element.get(f"{W}val", ""))
    except ValueError:
        return None


def _colour(value: str | None) -> str | None:
    """'FFFFFF' for a colour given as RRGGBB; None for 'auto' or anything else."""
    if value is None or len(value) != 6:
        return None
    try:
        int(value, 16)
    except ValueError:
        return None
    return value.upper()


def _shading(shading) -> str | None:
    """The colour a w:shd paints: its fill when clear, its colour when solid; UNKNOWN for a pattern."""
    if shading is None:
        return None
    pattern = shading.get(f"{W}val", "clear")
    if pattern == "nil":
        return None
    if pattern == "clear":
        return _colour(shading.get(f"{W}fill"))
    if pattern == "solid":
        return _colour(shading.get(f"{W}color")) or UNKNOWN
    return UNKNOWN


def _same_colour(one: str, other: str) -> bool:
    return all(abs(int(one[i:i + 2], 16) - int(other[i:i + 2], 16)) <= SAME_COLOUR for i in (0, 2, 4))

"""A Word report read as a reviewer sees it: blocks (headings, paragraphs, list items, table rows) in order,
each with its text as the editor left it, its pending tracked changes and the comments anchored in it;
the comments; the core properties. Reads through the verifier's zip-safe package reader: nothing is fetched,
nothing is unpacked past its limits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import VerificationError
from ..formats.docx.ooxml import CORE_NS, DOCUMENT, HYPERLINK_TYPE, MC_NS, WP, Package, W, core_properties_name

# A report of dossier's has a few hundred paragraphs; an edited one a few more. Past these a file is
# refused before it is compared (a comparison is quadratic at worst).
MAX_PARAGRAPHS = 20_000
MAX_COMMENTS = 5_000  # a long report with a busy editor has a few hundred
MAX_ANCHOR = 400  # characters of a comment's anchored text kept: the output quotes it shortened anyway
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024  # word/document.xml unpacked; BigScience's is 40 kB
MC_FALLBACK = f"{{{MC_NS}}}Fallback"
DELETED = {f"{W}del", f"{W}moveFrom"}
INSERTED = {f"{W}ins", f"{W}moveTo"}
_TOC_STYLE = re.compile(r"^(toc|contents)\s*(\d+|heading)$|^index link$")
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$")


@dataclass
class Tracked:
    """One pending tracked change: w:ins, w:del (moves as inserts and deletes), or a formatting change."""

    kind: str  # "inserted", "deleted", "formatting", "paragraph inserted", "row deleted", …
    author: str
    date: str  # as written in the file, e.g. 2026-05-02T10:00:00Z ('' when the file gives none)
    text: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "author": self.author, "date": self.date, "text": self.text}


@dataclass(eq=False)
class Comment:
    id: str
    author: str
    date: str
    text: str
    anchor: str = ""  # the text the comment is attached to
    block: int | None = None  # index of the block it starts in (Report.blocks)

    def as_dict(self) -> dict:
        return {"author": self.author, "date": self.date, "text": self.text, "anchored_to": self.anchor}


@dataclass(eq=False)
class ReportBlock:
    """A paragraph, list item, heading or table row, as it reads with its pending changes accepted."""

    kind: str  # title, subtitle, heading, paragraph, list item, row, picture
    text: str  # as a reader sees it once every pending change is accepted (spaces collapsed)
    original: str  # with every pending change rejected: what the editor started from
    level: int = 0  # a heading's level (1 = a section)
    element: object = None  # the w:p or w:tr
    tracked: list[Tracked] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    removed: bool = False  # deleted as a pending tracked change: gone once changes are accepted

    @property
    def key(self) -> str:
        from ..verify import normalise

        return normalise(self.text)


@dataclass
class Report:
    blocks: list[ReportBlock]
    comments: list[Comment]
    properties: dict[str, str]  # title, subject, author, keywords, language, created, identifier, description
    root: object = None  # word/document.xml, parsed: the blocks' elements are in it

    @property
    def tracked(self) -> list[Tracked]:
        return [change for block in self.blocks for change in block.tracked]


def read_report(data: bytes, label: str) -> Report:
    """The report in `data` (the bytes of a .docx named `label` in messages); VerificationError when
    it cannot be read as one: not a zip, damaged, too big, or linking to outside files."""
    try:
        with Package(data) as package:
            _refuse_outside_links(package)
            info = package.archive.getinfo(DOCUMENT)
            if info.file_size > MAX_DOCUMENT_BYTES:
                raise VerificationError(f"{label}: too big to review: {DOCUMENT} would unpack to "
                                        f"{info.file_size:,} bytes; a report this tool reviews has at most "
                                        f"{MAX_DOCUMENT_BYTES:,}")
            root = package.xml(DOCUMENT)
            styles = _style_names(package)
            comments = _read_comments(package)
            properties = _read_properties(package)
    except VerificationError as exc:
        if exc.message.startswith(label):
            raise
        raise VerificationError(f"{label}: {exc.message}") from None
    body = root.find(f"{W}body")
    if body is None:
        raise VerificationError(f"{label}: cannot be read as a Word document: word/document.xml has no body")
    count = sum(1 for _ in body.iter(f"{W}p"))
    if count > MAX_PARAGRAPHS:
        raise VerificationError(f"{label}: too big to review: {count:,} paragraphs; a report this tool reviews "
                                f"has at most {MAX_PARAGRAPHS:,}")
    if len(comments) > MAX_COMMENTS:
        raise VerificationError(f"{label}: too big to review: {len(comments):,} comments; a report this tool "
                                f"reviews has at most {MAX_COMMENTS:,}")
    walker = _Walker(styles, comments)
    walker.walk(body)
    for comment in comments.values():
        comment.anchor = " ".join(comment.anchor.split())
    return Report(walker.blocks, [c for c in comments.values() if c.block is not None] +
                  [c for c in comments.values() if c.block is None], properties, root)


def _refuse_outside_links(package: Package) -> None:
    """A relationship to something outside the file other than a hyperlink (an attached template, a linked
    picture, a frame, a sub-document) is refused: a reviewer's tool opens nothing but the file."""
    found = []
    for name in sorted(package.names):
        if not name.endswith(".rels"):
            continue
        for rel in package.xml(name):
            if rel.get("TargetMode") == "External" and rel.get("Type") != HYPERLINK_TYPE:
                kind = rel.get("Type", "").rsplit("/", 1)[-1]
                target = rel.get("Target", "")
                found.append(f"{kind} → {target[:80]!r} ({name})")
    if found:
        listed = "; ".join(found[:3]) + (f"; and {len(found) - 3} more" if len(found) > 3 else "")
        raise VerificationError(f"links to files outside itself, which are never opened: {listed}; "
                                "a report dossier made has none: remove them, or review the file dossier sent")


def _style_names(package: Package) -> dict[str, str]:
    """Paragraph style id → its name, lower case ('BodyText' → 'body text'): LibreOffice renames the ids."""
    if "word/styles.xml" not in package.names:
        return {}
    names = {}
    for style in package.xml("word/styles.xml").iter(f"{W}style"):
        name = style.find(f"{W}name")
        if style.get(f"{W}type") == "paragraph" and name is not None:
            names[style.get(f"{W}styleId")] = (name.get(f"{W}val") or "").lower()
    return names


def _part_target(package: Package, relationship: str) -> str | None:
    rels = "word/_rels/document.xml.rels"
    if rels not in package.names:
        return None
    for rel in package.xml(rels):
        if rel.get("Type", "").endswith("/" + relationship) and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "word/" + target
    return None


def _read_comments(package: Package) -> dict[str, Comment]:
    name = _part_target(package, "comments")
    if name is None or name not in package.names:
        return {}
    comments = {}
    for element in package.xml(name).iter(f"{W}comment"):
        text = "\n".join(" ".join("".join(t.text or "" for t in p.iter(f"{W}t")).split())
                         for p in element.iter(f"{W}p")).strip()
        comment_id = element.get(f"{W}id", "")
        comments[comment_id] = Comment(comment_id, element.get(f"{W}author", ""), element.get(f"{W}date", ""), text)
    return comments


def _read_properties(package: Package) -> dict[str, str]:
    name = core_properties_name(package)
    root = package.xml(name) if name in package.names else None

    def text(path: str) -> str:
        element = root.find(path, CORE_NS) if root is not None else None
        return " ".join((element.text or "").split()) if element is not None else ""

    return {"title": text("dc:title"), "subject": text("dc:subject"), "author": text("dc:creator"),
            "keywords": text("cp:keywords"), "language": text("dc:language"),
            "created": text("dcterms:created")[:10], "identifier": text("dc:identifier"),
            "description": text("dc:description")}


def _change(element, kind: str, text: str = "") -> Tracked:
    return Tracked(kind, element.get(f"{W}author", ""), element.get(f"{W}date", ""), " ".join(text.split()))


class _Walker:
    """Walks the body in document order, making blocks and following comment ranges across them."""

    def __init__(self, styles: dict[str, str], comments: dict[str, Comment]):
        self.styles = styles
        self.comments = comments
        self.blocks: list[ReportBlock] = []
        self.open: set[str] = set()  # comment ranges open at this point
        self.waiting: list[Comment] = []  # comments started in a paragraph that made no block

    def walk(self, parent, in_toc: bool = False) -> None:
        for child in parent:
            tag = child.tag
            if tag == f"{W}p":
                self.paragraph(child, skip=in_toc)
            elif tag == f"{W}tbl":
                for row in child.iter(f"{W}tr"):
                    if next(row.iterancestors(f"{W}tbl")) is child:
                        self.row(row)
            elif tag == f"{W}sdt":
                gallery = child.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
                toc = gallery is not None and "contents" in (gallery.get(f"{W}val") or "").lower()
                content = child.find(f"{W}sdtContent")
                if content is not None:
                    self.walk(content, in_toc or toc)
            elif tag in (f"{W}customXml", f"{W}ins", f"{W}del", f"{W}moveTo", f"{W}moveFrom"):
                self.walk(child, in_toc)

    # -- paragraphs
    def paragraph(self, p, skip: bool = False) -> None:
        style_id = p.find(f"{W}pPr/{W}pStyle")
        style = self.styles.get(style_id.get(f"{W}val"), "") if style_id is not None else ""
        text, original, tracked, starts = self.runs(p)
        formatting = p.find(f"{W}pPr/{W}pPrChange")
        if formatting is not None:
            tracked.append(_change(formatting, "paragraph formatting changed", text))
        mark = p.find(f"{W}pPr/{W}rPr")
        if mark is not None:
            for element in mark:
                if element.tag in INSERTED:
                    tracked.append(_change(element, "paragraph inserted"))
                elif element.tag in DELETED:
                    tracked.append(_change(element, "paragraph mark deleted"))
        picture = next(p.iter(f"{WP}docPr"),
                       None)
        if skip or _TOC_STYLE.match(style) or (not text.strip() and not original.strip() and picture is None):
            self.waiting.extend(starts)
            return
        kind, level = self.kind_of(p, style)
        if picture is not None and not text.strip() and not original.strip():
            kind = "picture"
            text = original = "[picture] " + " ".join((picture.get("descr") or picture.get("name") or "").split())
        block = ReportBlock(kind, text, original, level, p, tracked)
        block.removed = not text.strip() and bool(original.strip())
        self.add(block, starts)

    def kind_of(self, p, style: str) -> tuple[str, int]:
        heading = _HEADING_STYLE.match(style)
        if heading:
            return "heading", int(heading.group(1))
        outline = p.find(f"{W}pPr/{W}outlineLvl")
        if outline is not None and (outline.get(f"{W}val") or "").isdigit() and int(outline.get(f"{W}val")) < 9:
            return "heading", int(outline.get(f"{W}val")) + 1
        if style in ("title", "subtitle"):
            return style, 0
        if style.startswith("list") or p.find(f"{W}pPr/{W}numPr") is not None:
            return "list item", 0
        return "paragraph", 0

    def add(self, block: ReportBlock, starts: list[Comment]) -> None:
        index = len(self.blocks)
        self.blocks.append(block)
        for comment in self.waiting + starts:
            comment.block = index
            block.comments.append(comment)
        self.waiting = []

    def runs(self, p) -> tuple[str, str, list[Tracked], list[Comment]]:
        """(accepted text, rejected text, pending changes, comments starting here) of a paragraph."""
        accepted: list[str] = []
        rejected: list[str] = []
        tracked: list[Tracked] = []
        starts: list[Comment] = []
        started: set[int] = set()
        change_text: dict[int, list[str]] = {}

        def visit(element, state: str | None, change: Tracked | None) -> None:
            for child in element:
                tag = child.tag
                if not isinstance(tag, str) or tag == MC_FALLBACK or tag in (f"{W}p", f"{W}txbxContent",
                                                                                f"{W}pPr", f"{W}rPr"):
                    continue
                if tag in INSERTED or tag in DELETED:
                    kind = "inserted" if tag in INSERTED else "deleted"
                    if tag in (f"{W}moveTo", f"{W}moveFrom"):
                        kind = "moved here" if tag == f"{W}moveTo" else "moved away"
                    found = _change(child, kind)
                    tracked.append(found)
                    change_text[id(found)] = []
                    visit(child, "ins" if tag in INSERTED else "del", found)
                    continue
                piece = None
                if tag in (f"{W}t", f"{W}delText"):
                    piece = child.text or ""
                elif tag in (f"{W}tab", f"{W}br", f"{W}cr"):
                    piece = " "
                elif tag == f"{W}noBreakHyphen":
                    piece = "-"
                elif tag == f"{W}commentRangeStart" or tag == f"{W}commentReference":
                    comment = self.comments.get(child.get(f"{W}id", ""))
                    if comment is not None and comment.block is None and id(comment) not in started:
                        starts.append(comment)
                        started.add(id(comment))
                    if tag == f"{W}commentRangeStart" and comment is not None:
                        self.open.add(child.get(f"{W}id", ""))
                elif tag == f"{W}commentRangeEnd":
                    self.open.discard(child.get(f"{W}id", ""))
                if piece is not None:
                    if state != "del":
                        accepted.append(piece)
                        # Each open range gathers its anchor up to MAX_ANCHOR characters, then is done:
                        # ranges a hostile file never closes would otherwise grow with every run.
                        full = []
                        for comment_id in self.open:
                            comment = self.comments[comment_id]
                            comment.anchor += piece
                            if len(comment.anchor) >= MAX_ANCHOR:
                                comment.anchor = comment.anchor[:MAX_ANCHOR]
                                full.append(comment_id)
                        self.open.difference_update(full)
                    if state != "ins":
                        rejected.append(piece)
                    if change is not None:
                        change_text[id(change)].append(piece)
                if tag == f"{W}r":
                    formatting = child.find(f"{W}rPr/{W}rPrChange")
                    if formatting is not None:
                        tracked.append(_change(formatting, "formatting changed", "".join(
                            t.text or "" for t in child.iter(f"{W}t"))))
                visit(child, state, change)

        visit(p, None, None)
        for change in tracked:
            if id(change) in change_text:
                change.text = " ".join("".join(change_text[id(change)]).split())
        return " ".join("".join(accepted).split()), " ".join("".join(rejected).split()), tracked, starts

    # -- table rows
    def row(self, tr) -> None:
        cells_accepted, cells_rejected, tracked, starts = [], [], [], []
        for cell in tr.iter(f"{W}tc"):
            if next(cell.iterancestors(f"{W}tr")) is not tr:
                continue
            texts = [self.runs(p) for p in cell.iter(f"{W}p")]
            cells_accepted.append(" ".join(t[0] for t in texts if t[0]))
            cells_rejected.append(" ".join(t[1] for t in texts if t[1]))
            for t in texts:
                tracked.extend(t[2])
                starts.extend(t[3])
        properties = tr.find(f"{W}trPr")
        removed = False
        if properties is not None:
            for element in properties:
                if element.tag == f"{W}ins":
                    tracked.append(_change(element, "row inserted", " | ".join(cells_accepted)))
                elif element.tag == f"{W}del":
                    tracked.append(_change(element, "row deleted", " | ".join(cells_rejected)))
                    removed = True
        text = " | ".join(cells_accepted)
        block = ReportBlock("row", "" if removed else text, " | ".join(cells_rejected), 0, tr, tracked)
        block.removed = removed or (not text.replace("|", "").strip() and bool(block.original.replace("|", "").strip()))
        if block.removed:
            block.text = ""
        if not block.text.replace("|", "").strip() and not block.original.replace("|", "").strip():
            self.waiting.extend(starts)
            return
        self.add(block, starts)

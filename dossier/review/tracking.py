"""A redline: the new edition's Word report, with what changed since the old edition as Word tracked changes.

Both editions are rendered by the Word writer, as a build renders them; their blocks are aligned as a
review aligns them (compare.align). The new report's XML then gets, in place: changed words as w:del
and w:ins runs (word-level, keeping each run's formatting and links), a block that is new wrapped in
w:ins with its paragraph mark (or row) marked inserted, a block that is gone copied in from the old
report as w:del, a block that moved deleted where it was and inserted where it is. The changes'
author is the new edition's publisher and their date its as_of, so the same two editions always give
the same bytes. Word and LibreOffice list them for an editor to accept or reject; the text a reader
sees before deciding is the new edition's, and it is verified like any Word report.
"""

from __future__ import annotations

import copy
import io
import itertools
import subprocess
import zipfile
from pathlib import Path

from ..errors import UsageError, VerificationError
from ..formats.docx.ooxml import HYPERLINK_TYPE, R_NS, REL_NS, XML_NS, W
from . import words
from .compare import align
from .reading import read_report

XML_SPACE = f"{{{XML_NS}}}space"
FIRST_ID = 9000  # revision ids start above the ids the writer gives bookmarks and drawings
MAX_REVISION_BYTES = 1_000_000  # a content file read from git is held to the content limit


def old_revision(path: Path, revision: str) -> tuple[str, bytes]:
    """('content/x.yaml@REV', the file's bytes at git revision REV), through `git show REV:./x.yaml`."""
    if revision.startswith("-") or any(char.isspace() for char in revision) or ":" in revision:
        raise UsageError(f"--since: {revision!r} is not a git revision")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    folder = path.resolve().parent
    try:
        done = subprocess.run(["git", "show", f"{revision}:./{path.name}"], cwd=folder, capture_output=True,
                              timeout=60, check=False)
    except FileNotFoundError:
        raise UsageError("--since needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"--since: git show {revision}:{path.name} did not finish in 60 s") from None
    if done.returncode != 0:
        reason = " ".join(done.stderr.decode("utf-8", "replace").split())[:300] or f"exit {done.returncode}"
        raise UsageError(f"--since {revision}: git cannot show {path} at that revision: {reason}")
    if len(done.stdout) > MAX_REVISION_BYTES:
        raise UsageError(f"--since {revision}: {path} was {len(done.stdout):,} bytes then; the limit is "
                         f"{MAX_REVISION_BYTES:,}")
    return f"{path}@{revision}", done.stdout


def make_redline(old_document, new_document, options) -> tuple[bytes, str]:
    """(the redline's bytes, a summary of its changes). VerificationError if it does not carry every fact
    of the new edition, and its metadata, as the new edition's report would."""
    from .. import pipeline
    from ..formats.docx.package import deterministic_zip

    old_bytes = pipeline.render(old_document, "docx", options).data
    new_bytes = pipeline.render(new_document, "docx", options).data
    old = read_report(old_bytes, "the old edition's report")
    new = read_report(new_bytes, "the new edition's report")
    profile = new_document.profile
    marker = _Marker(profile.publisher.name, f"{profile.date.isoformat()}T00:00:00Z", _hyperlinks(old_bytes))
    counts = marker.apply(old.blocks, new.blocks, new.root)
    parts = {"word/document.xml": _xml(new.root)}
    with zipfile.ZipFile(io.BytesIO(new_bytes)) as archive:
        rels = archive.read("word/_rels/document.xml.rels")
        settings = archive.read("word/settings.xml") if "word/settings.xml" in archive.namelist() else None
    if marker.new_links:
        parts["word/_rels/document.xml.rels"] = _add_links(rels, marker.new_links)
    if settings is not None:
        parts["word/settings.xml"] = _track_revisions(settings)
    data = deterministic_zip(_replace_members(new_bytes, parts))
    [check] = pipeline.verify(new_document, {"docx": ("redline", data)})
    if not check.ok:
        raise VerificationError(f"{new_document.source}: redline verification failed: {check.describe()}")
    summary = ", ".join(f"{count} {what}" for what, count in counts.items() if count) or "no changes"
    return data, f"{summary}; tracked as {marker.author!r} on {marker.date[:10]}"


class _Marker:
    """Writes tracked changes into the new report's XML."""

    def __init__(self, author: str, date: str, old_links: dict[str, str]):
        self.author = author
        self.date = date
        self.next_id = FIRST_ID
        self.old_links = old_links  # the old report's hyperlink relationship ids → their addresses
        self.new_links: dict[str, str] = {}  # relationship ids added to the new report → addresses

    def apply(self, old_blocks, new_blocks, root) -> dict[str, int]:
        alignment = align(old_blocks, new_blocks)
        counts = {"changed": 0, "added": 0, "deleted": 0, "moved": 0}
        for i, j in alignment.changed.items():
            self.change(old_blocks[i], new_blocks[j])
            counts["changed"] += 1
        for j in alignment.added:
            self.insert(new_blocks[j])
            counts["added"] += 1
        for i, j in alignment.moved.items():
            self.insert(new_blocks[j])
        gone = sorted(alignment.deleted + list(alignment.moved))
        counts["deleted"] = len(alignment.deleted)
        counts["moved"] = len(alignment.moved)
        matched = {**alignment.pairs, **alignment.changed}
        body = root.find(f"{W}body")
        anchors: dict[int, object] = {}
        for i in gone:
            before = max((k for k in matched if k < i), default=None)
            anchor = anchors.get(before) if before in anchors else (
                new_blocks[matched[before]].element if before is not None else None)
            following = min((k for k in matched if k > i), default=None)
            copied = self.deleted_copy(old_blocks[i])
            anchors[before] = self.place(copied, old_blocks[i], anchor,
                                         new_blocks[matched[following]].element if following is not None else None,
                                         body)
        return counts

    # -- ids and marks
    def mark(self, tag: str):
        from lxml import etree

        element = etree.Element(W + tag)
        element.set(W + "id", str(self.next_id))
        element.set(W + "author", self.author)
        element.set(W + "date", self.date)
        self.next_id += 1
        return element

    def mark_paragraph(self, p, tag: str) -> None:
        """The paragraph mark itself inserted or deleted (w:pPr/w:rPr/w:ins|w:del)."""
        from lxml import etree

        properties = p.find(f"{W}pPr")
        if properties is None:
            properties = etree.Element(f"{W}pPr")
            p.insert(0, properties)
        run_properties = properties.find(f"{W}rPr")
        if run_properties is None:
            run_properties = etree.SubElement(properties, f"{W}rPr")
            # w:rPr comes after every other child of w:pPr but w:sectPr and w:pPrChange.
            for later in (f"{W}sectPr", f"{W}pPrChange"):
                found = properties.find(later)
                if found is not None:
                    found.addprevious(run_properties)
        run_properties.insert(0, self.mark(tag))

    # -- whole blocks
    def insert(self, block) -> None:
        element = block.element
        if element.tag == f"{W}tr":
            self.mark_row(element, "ins")
            for p in element.iter(f"{W}p"):
                self.wrap_runs(p, "ins")
        else:
            self.wrap_runs(element, "ins")
            self.mark_paragraph(element, "ins")

    def mark_row(self, tr, tag: str) -> None:
        from lxml import etree

        properties = tr.find(f"{W}trPr")
        if properties is None:
            properties = etree.Element(f"{W}trPr")
            position = 1 if len(tr) and tr[0].tag == f"{W}tblPrEx" else 0
            tr.insert(position, properties)
        properties.append(self.mark(tag))

    def wrap_runs(self, element, tag: str) -> None:
        """Every run in `element` (a paragraph) inside a w:ins or w:del of its own kind."""
        for run in list(element.iter(f"{W}r")):
            parent = run.getparent()
            if parent.tag in (f"{W}ins", f"{W}del"):
                continue
            if tag == "del":
                _to_deleted_text(run)
            wrapper = self.mark(tag)
            run.addprevious(wrapper)
            wrapper.append(run)

    def deleted_copy(self, block):
        """A copy of an old block, every run deleted; its links related anew in the new report."""
        element = copy.deepcopy(block.element)
        for drawing in list(element.iter(f"{W}drawing")):  # a picture of the old report's: not carried over
            run = drawing.getparent()
            run.getparent().remove(run)
        for link in element.iter(f"{W}hyperlink"):
            rel = link.get(f"{{{R_NS}}}id")
            if rel is not None:
                address = self.old_links.get(rel)
                if address is None:
                    del link.attrib[f"{{{R_NS}}}id"]
                else:
                    new_id = f"rIdRedline{len(self.new_links) + 1}"
                    self.new_links[new_id] = address
                    link.set(f"{{{R_NS}}}id", new_id)
        for start in list(element.iter(f"{W}bookmarkStart", f"{W}bookmarkEnd")):
            start.getparent().remove(start)  # the new report's headings carry the bookmarks
        if element.tag == f"{W}tr":
            self.mark_row(element, "del")
            for p in element.iter(f"{W}p"):
                self.wrap_runs(p, "del")
        else:
            self.wrap_runs(element, "del")
            self.mark_paragraph(element, "del")
        return element

    @staticmethod
    def place(copied, block, anchor, following, body):
        """Put a deleted block after `anchor` (a new report's element), or before `following`; a row with
        no row beside it goes in a copy of its old table. Returns the element to place the next one after."""
        from lxml import etree

        if copied.tag == f"{W}tr":
            if anchor is not None and anchor.tag == f"{W}tr":
                anchor.addnext(copied)
                return copied
            if anchor is None and following is not None and following.tag == f"{W}tr":
                following.addprevious(copied)
                return copied
            table = copy.deepcopy(block.element.getparent())
            for row in table.findall(f"{W}tr"):
                table.remove(row)
            table.append(copied)
            copied = table
        elif anchor is not None and anchor.tag == f"{W}tr":
            anchor = anchor.getparent()  # a paragraph after a table's last row: after the table
        if anchor is not None and anchor.tag == f"{W}tr":
            anchor = anchor.getparent()
        if anchor is None:
            body.insert(0, copied)
        else:
            while anchor.getparent() is not body and anchor.getparent() is not None:
                anchor = anchor.getparent()
            anchor.addnext(copied)
        if copied.tag == f"{W}tbl" and copied.getnext() is not None and copied.getnext().tag == f"{W}tbl":
            copied.addnext(etree.Element(f"{W}p"))  # two tables in a row would merge into one
        return copied

    # -- words within a block
    def change(self, old_block, new_block) -> None:
        if new_block.element.tag == f"{W}tr":
            old_cells = _cells(old_block.element)
            new_cells = _cells(new_block.element)
            for index, cell in enumerate(new_cells):
                old_paragraphs = old_cells[index] if index < len(old_cells) else []
                for k, p in enumerate(cell):
                    old_text = _paragraph_text(old_paragraphs[k]) if k < len(old_paragraphs) else ""
                    self.change_words(p, old_text)
            return
        if new_block.kind == "picture":
            return  # a picture changed: the new one stands; pictures are not compared word by word
        self.change_words(new_block.element, _paragraph_text(old_block.element))

    def change_words(self, p, old: str) -> None:
        pieces = _text_runs(p)
        new = "".join(text for _run, _t, text in pieces)
        if old == new:
            return
        found = words.edits(old, new)
        # Split runs at every boundary an insertion needs, then wrap what falls inside.
        inserted = []
        for edit in found:
            b0, b1 = edit.b0, edit.b1
            if b1 > b0:
                if edit.a0 == edit.a1 and b0 > 0 and new[b0 - 1] == " ":
                    b0 -= 1  # a word added: with the space before it, so rejecting leaves one space
                inserted.append((b0, b1))
        cuts = sorted({position for span in inserted for position in span} |
                      {edit.b0 for edit in found if edit.a1 > edit.a0})
        pieces = _split_runs(p, cuts)
        for b0, b1 in inserted:
            for run, _t, start, end in pieces:
                if start >= b0 and end <= b1 and end > start and run.getparent().tag != f"{W}ins":
                    wrapper = self.mark("ins")
                    run.addprevious(wrapper)
                    wrapper.append(run)
        # Deleted words go in where they were, in the look of the run they follow.
        for edit in reversed(found):
            if edit.a1 <= edit.a0:
                continue
            text = old[edit.a0:edit.a1]
            if edit.b0 == edit.b1 and edit.a0 > 0 and old[edit.a0 - 1] == " ":
                text = " " + text  # a word removed: with its space, so rejecting restores it
            elif edit.b0 == edit.b1 and edit.a0 == 0 and old[edit.a1:edit.a1 + 1] == " ":
                text += " "
            self.delete_at(p, pieces, edit.b0, text)

    def delete_at(self, p, pieces, position: int, text: str) -> None:
        from lxml import etree

        before = [piece for piece in pieces if piece[2] < position or (piece[2] == piece[3] == position)]
        after = [piece for piece in pieces if piece[2] >= position and piece[3] > piece[2]]
        model = before[-1][0] if before else (after[0][0] if after else None)
        run = etree.Element(f"{W}r")
        if model is not None and model.find(f"{W}rPr") is not None:
            run.append(copy.deepcopy(model.find(f"{W}rPr")))
        deleted = etree.SubElement(run, f"{W}delText")
        deleted.text = text
        deleted.set(XML_SPACE, "preserve")
        wrapper = self.mark("del")
        wrapper.append(run)
        if after:
            anchor = after[0][0]
            if anchor.getparent().tag == f"{W}ins":
                anchor = anchor.getparent()
            anchor.addprevious(wrapper)
        elif before:
            anchor = before[-1][0]
            if anchor.getparent().tag == f"{W}ins":
                anchor = anchor.getparent()
            anchor.addnext(wrapper)
        else:
            p.append(wrapper)


def _cells(tr) -> list[list]:
    return [[p for p in cell.iter(f"{W}p")] for cell in tr.findall(f"{W}tc")]


def _paragraph_text(p) -> str:
    return "".join(text for _run, _t, text in _text_runs(p))


def _text_runs(p) -> list[tuple[object, object, str]]:
    """(run, w:t, text) of every text of the paragraph, in order (nested paragraphs left out)."""
    found = []
    for t in p.iter(f"{W}t"):
        if next(t.iterancestors(f"{W}p")) is not p:
            continue
        found.append((t.getparent(), t, t.text or ""))
    return found


def _split_runs(p, cuts: list[int]) -> list[tuple[object, object, int, int]]:
    """Split the paragraph's text runs at the character positions `cuts`; (run, w:t, start, end) after."""
    pieces = []
    position = 0
    for run, t, text in _text_runs(p):
        start, end = position, position + len(text)
        inside = [cut for cut in cuts if start < cut < end]
        if inside and len(run.findall(f"{W}t")) == 1:
            bounds = [start, *inside, end]
            current = run
            current_t = t
            current_t.text = text[:bounds[1] - start]
            current_t.set(XML_SPACE, "preserve")
            pieces.append((current, current_t, bounds[0], bounds[1]))
            for left, right in itertools.pairwise(bounds[1:]):
                clone = copy.deepcopy(run)
                clone_t = clone.find(f"{W}t")
                clone_t.text = text[left - start:right - start]
                clone_t.set(XML_SPACE, "preserve")
                current.addnext(clone)
                current = clone
                pieces.append((clone, clone_t, left, right))
        else:
            pieces.append((run, t, start, end))
        position = end
    return pieces


def _to_deleted_text(run) -> None:
    for t in run.iter(f"{W}t"):
        t.tag = f"{W}delText"
        t.set(XML_SPACE, "preserve")
    for instruction in run.iter(f"{W}instrText"):
        instruction.tag = f"{W}delInstrText"


def _hyperlinks(data: bytes) -> dict[str, str]:
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("word/_rels/document.xml.rels"))
    return {rel.get("Id"): rel.get("Target") for rel in root if rel.get("Type") == HYPERLINK_TYPE}


def _add_links(rels: bytes, links: dict[str, str]) -> bytes:
    from lxml import etree

    root = etree.fromstring(rels)
    for rel_id, address in links.items():
        rel = etree.SubElement(root, f"{{{REL_NS}}}Relationship")
        rel.set("Id", rel_id)
        rel.set("Type", HYPERLINK_TYPE)
        rel.set("Target", address)
        rel.set("TargetMode", "External")
    return _xml(root)


def _track_revisions(settings: bytes) -> bytes:
    """settings.xml with w:trackRevisions on: the editor's own edits to the redline are tracked too."""
    from lxml import etree

    root = etree.fromstring(settings)
    if root.find(f"{W}trackRevisions") is None:
        element = etree.Element(f"{W}trackRevisions")
        # Its place in w:settings' sequence: after these, when present.
        earlier = [f"{W}{name}" for name in ("writeProtection", "view", "zoom", "removePersonalInformation",
                                              "removeDateAndTime", "doNotDisplayPageBoundaries",
                                              "displayBackgroundShape", "printPostScriptOverText",
                                              "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts",
                                              "embedSystemFonts", "saveSubsetFonts", "saveFormsData", "mirrorMargins",
                                              "alignBordersAndEdges", "bordersDoNotSurroundHeader",
                                              "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors",
                                              "hideGrammaticalErrors", "activeWritingStyle", "proofState",
                                              "formsDesign", "attachedTemplate", "linkStyles",
                                              "stylePaneFormatFilter", "stylePaneSortMethod", "documentType",
                                              "mailMerge", "revisionView")]
        last = None
        for child in root:
            if child.tag in earlier:
                last = child
        if last is None:
            root.insert(0, element)
        else:
            last.addnext(element)
    return _xml(root)


def _xml(root) -> bytes:
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _replace_members(data: bytes, parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, parts.get(item.filename, source.read(item)))
    return out.getvalue()

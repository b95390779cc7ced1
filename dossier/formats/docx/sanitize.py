"""A reference document is data, not a carrier: what it may bring into every report, and nothing else.

Every report is made on a reference document's styles, numbering, theme, fonts, layout settings, page
setup, headers and footers, so anything else it holds would travel into every report an editor opens:
a macro project, an embedded object or ActiveX control, an altChunk (a part Word imports as content),
links to outside files (an attached template, a linked picture, a web frame), a setting that updates
every field on opening, and fields that fetch, include, run or link (INCLUDEPICTURE, INCLUDETEXT, LINK,
DDE, DDEAUTO, IMPORT, MACROBUTTON, …). `clean` reads the package within the zip limits (checked before
anything is unpacked), keeps the parts a report is made from (reached from the main document by the
relationships that lead to them) and takes the rest out; a field that is not one of the fields a
header or footer shows (page numbers, dates, document properties, references) is unwrapped, in any
case and spacing and however its code is split across runs: its last shown result stays, as text.
"""

from __future__ import annotations

import functools
import hashlib
import io
import posixpath
import zipfile
from dataclasses import dataclass

from ...errors import TemplateError, VerificationError
from .ooxml import REL_NS, TOTAL_LIMIT, Package, R, W

MAX_PARTS = 2_000  # a Word-made reference has a few dozen parts

# The relationships a kept part may have, by the last word of their type: the parts a report is made
# from, and the pictures and embedded fonts those parts show.
KEPT = {"officeDocument", "core-properties", "extended-properties", "styles", "stylesWithEffects", "numbering",
        "theme", "fontTable", "font", "settings", "webSettings", "header", "footer", "footnotes", "endnotes",
        "image"}
# What a removed relationship is called in the warning, by the last word of its type.
KINDS = {"vbaProject": "a macro project", "vbaData": "macro data", "keyMapCustomizations": "macro shortcuts",
         "oleObject": "an embedded object", "package": "an embedded object", "control": "an ActiveX control",
         "activeXControlBinary": "an ActiveX control", "aFChunk": "an altChunk part (content Word imports)",
         "attachedTemplate": "an attached template", "glossaryDocument": "building blocks",
         "customXml": "custom XML data", "thumbnail": "a thumbnail of the reference's first page",
         "comments": "comments", "chart": "a chart", "diagramData": "a diagram", "custom-properties":
         "custom document properties", "origin": "a digital signature", "people": "people"}
# Elements that mean nothing without what was removed with them: they go whole.
WHOLE = {"object", "control", "altChunk", "attachedTemplate", "subDoc", "sourceFileName", "externalData",
         "OLEObject"}
# The fields a header or footer shows, whose result is worked out from the document itself.
SAFE_FIELDS = {"PAGE", "NUMPAGES", "SECTIONPAGES", "SECTION", "DATE", "TIME", "CREATEDATE", "SAVEDATE",
               "PRINTDATE", "EDITTIME", "TITLE", "SUBJECT", "AUTHOR", "KEYWORDS", "COMMENTS", "LASTSAVEDBY",
               "NUMWORDS", "NUMCHARS", "REVNUM", "DOCPROPERTY", "STYLEREF", "REF", "PAGEREF", "NOTEREF", "SEQ",
               "TOC", "SYMBOL", "QUOTE"}
# Settings that are a way to outside files, or that make Word update every field on opening: they go.
SETTINGS_REMOVED = {"updateFields": "the setting that updates every field on opening",
                    "linkStyles": "the setting that takes styles from the attached template",
                    "mailMerge": "a mail merge (a data source and its query)",
                    "attachedTemplate": "an attached template"}
MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"


@dataclass(frozen=True)
class Cleaned:
    data: bytes  # the package a report may be made on
    removed: tuple[str, ...]  # what was taken out, in words, each with where it was


def clean(name: str, data: bytes) -> Cleaned:
    """The reference `data` (named `name` in messages) with only what a report may carry; TemplateError
    if it cannot be read as a Word document (within the zip limits, well-formed XML)."""
    return _clean(hashlib.sha256(data).digest(), name, data)


@functools.lru_cache(maxsize=8)
def _clean(_digest: bytes, name: str, data: bytes) -> Cleaned:
    try:
        return _Cleaner(data).run()
    except VerificationError as exc:  # the package reader's reason: not a zip, too big, damaged, bad XML
        raise TemplateError(f"reference document {name} {exc.message}") from None


def message(name: str, cleaned: Cleaned) -> str:
    """The one warning for a reference that carried something, naming each thing removed."""
    return (f"reference document {name}: removed what Word would fetch, open or run with every report made on "
            "it: " + "; ".join(cleaned.removed))


class _Cleaner:
    def __init__(self, data: bytes):
        try:
            infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
            infos = None  # Package says why
        if infos is not None:  # before anything is unpacked: a zip bomb is refused from its directory
            if len(infos) > MAX_PARTS:
                raise VerificationError(f"cannot be read as a Word document: it has {len(infos):,} parts; a "
                                        f"reference document has at most {MAX_PARTS:,}")
            declared = sum(info.file_size for info in infos)
            if declared > TOTAL_LIMIT:
                raise VerificationError(f"cannot be read as a Word document: its parts would unpack to "
                                        f"{declared:,} bytes, more than the {TOTAL_LIMIT // 2 ** 20} MB allowed")
        self.data = data
        self.package = Package(data)
        self.removed: list[str] = []
        self.links: list[str] = []  # relationships to outside files, said together
        self.changed: dict[str, bytes] = {}  # member → new bytes
        self.raw: dict[str, bytes] = {}  # member → its bytes, unpacked once (the package counts what it unpacks)

    def read(self, name: str) -> bytes:
        if name not in self.raw:
            self.raw[name] = self.package.read(name)
        return self.raw[name]

    def note(self, text: str) -> None:
        if text not in self.removed:
            self.removed.append(text)

    def run(self) -> Cleaned:
        with self.package:
            kept, dropped_ids = self.walk()
            if self.links:
                self.note(f"{len(self.links)} link(s) to files outside it: " + "; ".join(sorted(set(self.links))))
            # The body goes whole (open_reference keeps only its section properties): what it names goes with it.
            for part, ids in dropped_ids.items():
                if part in kept and ids and part != "word/document.xml":
                    self.drop_references(part, ids)
            for part in sorted(kept):
                if part.endswith(".xml") and not part.startswith("docProps/") and part != "word/document.xml":
                    self.unwrap_fields(part)
            if "word/settings.xml" in kept:
                self.clean_settings("word/settings.xml")
            names = [info.filename for info in self.package.archive.infolist()]
            leftover = [name for name in names if name not in kept and not name.endswith(".rels")
                        and name != "[Content_Types].xml" and not any(f"({name})" in text for text in self.removed)]
            if leftover:
                listed = ", ".join(leftover[:5]) + (f" and {len(leftover) - 5} more" if len(leftover) > 5 else "")
                self.note(f"{len(leftover)} part(s) nothing in a report uses ({listed})")
            if not self.removed:
                return Cleaned(self.data, ())
            self.content_types(kept)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
                for info in self.package.archive.infolist():
                    name = info.filename
                    if name in kept or name == "[Content_Types].xml" or (name.endswith(".rels") and
                                                                        _source_of(name) in kept | {""}):
                        target.writestr(info, self.changed.get(name) or self.read(name))
            return Cleaned(out.getvalue(), tuple(self.removed))

    # -- the parts a report is made from
    def walk(self) -> tuple[set[str], dict[str, set[str]]]:
        """The parts reached from the package by kept relationships, and per part the ids it drops."""
        kept: set[str] = set()
        dropped: dict[str, set[str]] = {}
        todo = [""]  # "" is the package itself
        while todo:
            source = todo.pop()
            rels_name = _rels_of(source)
            if rels_name not in self.package.names:
                continue
            root = Package.parse(rels_name, self.read(rels_name))
            keep_rels = []
            for rel in root:
                kind = rel.get("Type", "")
                word = kind.rsplit("/", 1)[-1]  # officeDocument/2006/relationships/styles → styles
                target = rel.get("Target", "")
                external = rel.get("TargetMode") == "External"
                where = source or "the package"
                if external:
                    shown = target if len(target) <= 60 else target[:59] + "…"
                    if not (word == "hyperlink" and source == "word/document.xml"):  # the body goes anyway
                        self.links.append(f"{word} {shown} ({where})")
                    dropped.setdefault(source, set()).add(rel.get("Id", ""))
                    continue
                part = _resolve(source, target)
                if word in KEPT and not (word == "image" and source == "word/document.xml"):
                    keep_rels.append(rel)
                    if part not in kept and part in self.package.names:
                        kept.add(part)
                        todo.append(part)
                    continue
                dropped.setdefault(source, set()).add(rel.get("Id", ""))
                if source == "word/document.xml" and word in ("hyperlink", "image"):
                    continue  # the body's own: it goes with the body, which no report keeps
                self.note(f"{KINDS.get(word, f'a part no report needs ({word})')} ({part})")
            if len(keep_rels) != len(root):
                for rel in list(root):
                    if rel not in keep_rels:
                        root.remove(rel)
                self.changed[rels_name] = _xml(root)
        return kept, dropped

    def drop_references(self, part: str, ids: set[str]) -> None:
        """Remove what in the part's XML names a dropped relationship: whole where it means nothing without
        it (an embedded object, an altChunk), else only the attribute (a hyperlink keeps its text)."""
        root = self.xml(part)
        doomed = []
        changed = False
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            for attribute, value in list(element.attrib.items()):
                if attribute.startswith(R) and value in ids:
                    changed = True
                    if _local(element.tag) in WHOLE:
                        doomed.append(element)
                    else:
                        del element.attrib[attribute]
        for element in root.iter(f"{W}object", f"{W}altChunk", f"{W}control"):  # what is left of them
            doomed.append(element)
        # A web frameset shows outside pages: it goes whole once a frame of it pointed outside.
        framesets = [next(iter(element.iterancestors(f"{W}frameset")), None) for element in doomed]
        doomed = [frameset if frameset is not None else element for frameset, element in zip(framesets, doomed)]
        for element in doomed:
            if element.getparent() is not None:
                element.getparent().remove(element)
                changed = True
        if changed:
            self.changed[part] = _xml(root)

    # -- fields
    def unwrap_fields(self, part: str) -> None:
        root = self.xml(part)
        found: list[str] = []
        for simple in list(root.iter(f"{W}fldSimple")):
            name = _field_name(simple.get(f"{W}instr", ""))
            if name not in SAFE_FIELDS:
                found.append(name or "(empty)")
                parent, index = simple.getparent(), simple.getparent().index(simple)
                for offset, child in enumerate(list(simple)):
                    parent.insert(index + offset, child)
                parent.remove(simple)
        open_fields: list[dict] = []
        doomed: list = []
        for run in list(root.iter(f"{W}r")):
            for field in open_fields:
                if not field["separated"]:
                    field["code"].append(run)
            char = run.find(f"{W}fldChar")
            kind = char.get(f"{W}fldCharType") if char is not None else None
            if kind == "begin":
                open_fields.append({"code": [run], "instr": "", "separated": False})
                continue
            instructions = "".join(t.text or "" for t in run.iter(f"{W}instrText"))
            if instructions and open_fields and not open_fields[-1]["separated"]:
                open_fields[-1]["instr"] += instructions
            if kind == "separate" and open_fields:
                open_fields[-1]["separated"] = True
            elif kind == "end" and open_fields:
                field = open_fields.pop()
                name = _field_name(field["instr"])
                if name not in SAFE_FIELDS:
                    found.append(name or "(empty)")
                    doomed.extend(field["code"] + [run])
        for run in doomed:
            if run.getparent() is not None:
                run.getparent().remove(run)
        if found:
            self.changed[part] = _xml(root)
            listed = ", ".join(dict.fromkeys(found))
            self.note(f"{len(found)} field(s) that fetch, include, run or link something, kept as their last "
                      f"shown text: {listed} ({part})")

    def clean_settings(self, part: str) -> None:
        root = self.xml(part)
        changed = False
        for name, what in SETTINGS_REMOVED.items():
            for element in root.findall(f"{W}{name}"):
                root.remove(element)
                changed = True
                self.note(f"{what} ({part})")
        if changed:
            self.changed[part] = _xml(root)

    def content_types(self, kept: set[str]) -> None:
        """[Content_Types].xml for what is left: no overrides for removed parts, the main part a document's
        (not a macro-enabled document's or a template's), no defaults for macro or object binaries."""
        root = self.xml("[Content_Types].xml")
        for element in list(root):
            tag = _local(element.tag)
            if tag == "Override":
                part = element.get("PartName", "").lstrip("/")
                if part == "word/document.xml":
                    if element.get("ContentType") != MAIN:
                        self.note(f"the main part's type {element.get('ContentType')} (now a plain document)")
                        element.set("ContentType", MAIN)
                elif part not in kept:
                    root.remove(element)
            elif tag == "Default" and any(word in element.get("ContentType", "") for word in
                                          ("vbaProject", "oleObject", "activeX", "ms-office.vba")):
                root.remove(element)
        self.changed["[Content_Types].xml"] = _xml(root)

    def xml(self, part: str):
        """The part's XML, as changed so far (parsed once per change)."""
        return Package.parse(part, self.changed.get(part) or self.read(part))


def _field_name(instruction: str) -> str:
    """'  includePicture  "x" \\d' → 'INCLUDEPICTURE'."""
    words = instruction.replace("\u00a0", " ").split()
    return words[0].lstrip("\\").upper() if words else ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rels_of(part: str) -> str:
    if not part:
        return "_rels/.rels"
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _source_of(rels: str) -> str:
    """'word/_rels/header1.xml.rels' → 'word/header1.xml'; '_rels/.rels' → '' (the package)."""
    folder, name = posixpath.split(rels)
    if name == ".rels":
        return ""
    return posixpath.join(posixpath.dirname(folder), name.removesuffix(".rels"))


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _xml(root) -> bytes:
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


__all__ = ["Cleaned", "REL_NS", "clean", "message"]

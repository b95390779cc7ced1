"""Which part of the content made each block of a regenerated report: its key path in the YAML.

The report is rendered from the content through the theme, so a block's origin is found by its text:
a section's heading is its title, a paragraph its prose with fact references resolved, a table row a
fact's label and value (or a milestone's), an entry its name and text. Headings and table headers the
theme prints come from its words, which a profile may override under `labels:`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import markup
from ..verify import normalise

ENTRY_NAMES = {"products": "product entry", "people": "person entry", "organisations": "organisation entry"}


@dataclass(frozen=True)
class Origin:
    path: tuple  # the key path in the content file: ("sections", 2, "blocks", 3)
    what: str  # what it is there: "paragraph", "list item", "fact", "section title", …


class Origins:
    """The content's fields by the text they put in the report, for one Document."""

    def __init__(self, document):
        self.document = document
        profile = document.profile
        self.plain = lambda prose: normalise(markup.plain_text(document.prose(prose))) if prose else ""
        self.facts = {normalise(fact.label): (fact_id, normalise(document.facts[fact_id]))
                      for fact_id, fact in profile.facts.items()}
        self.words = {}
        try:
            for key, value in document.words.as_dict().items():
                if isinstance(value, str):
                    self.words.setdefault(normalise(value), key)
        except RuntimeError:  # a Document without a theme: no words to find
            pass
        self.titles = {normalise(section.title): s for s, section in enumerate(profile.sections)}
        self.section_fields: dict[int, list[tuple[str, tuple, str]]] = {}
        for s, section in enumerate(profile.sections):
            fields = self.section_fields.setdefault(s, [])
            for b, block in enumerate(section.blocks):
                base = ("sections", s, "blocks", b)
                if block.kind == "paragraph":
                    fields.append((self.plain(block.text), base, "paragraph"))
                elif block.kind == "list":
                    for i, item in enumerate(block.items):
                        fields.append((self.plain(item), base + ("list", i), "list item"))
                else:
                    for i, entry in enumerate(block.entries):
                        text = normalise(entry.name)
                        if entry.role:
                            text += " " + self.plain(entry.role)
                        if entry.text:
                            text += " " + self.plain(entry.text)
                        fields.append((text, base + (block.kind, i), ENTRY_NAMES.get(block.kind, "entry")))
        others = [(self.plain(profile.description), ("description",), "description"),
                  (self.plain(profile.lead), ("lead",), "lead")]
        others += [(normalise(source.title), ("sources", i), "source") for i, source in enumerate(profile.sources)]
        self.others = others
        self.milestones = {normalise(m.label): i for i, m in enumerate(profile.timeline)}
        self.publisher = normalise(profile.publisher.name)
        self.name = normalise(profile.name)

    def of_blocks(self, blocks) -> list[Origin | None]:
        """The origin of each block of the regenerated report, in order (None: the theme's own text)."""
        found: list[Origin | None] = []
        section = None
        for block in blocks:
            origin = self.of_block(block, section)
            if block.kind == "heading" and block.level == 1:
                section = origin.path[1] if origin and origin.path[0] == "sections" else None
            found.append(origin)
        return found

    def of_block(self, block, section: int | None) -> Origin | None:
        key = block.key
        if block.kind == "title" and key == self.name:
            return Origin(("name",), "name")
        if block.kind == "heading":
            if key in self.titles:
                return Origin(("sections", self.titles[key], "title"), "section title")
            if key in self.words:
                return Origin(("labels", self.words[key]), "heading the theme prints")
            return None
        if block.kind == "row":
            return self._row(block)
        if block.kind == "picture":
            return Origin(("timeline",), "timeline picture") if self.milestones else None
        return self._text(key, section)

    def _row(self, block) -> Origin | None:
        cells = [normalise(cell) for cell in block.text.split(" | ")]
        if len(cells) >= 2:
            fact = self.facts.get(cells[0])
            if fact and fact[1] == cells[1]:
                return Origin(("facts", fact[0]), "fact")
            if cells[1] in self.milestones:
                return Origin(("timeline", self.milestones[cells[1]]), "milestone")
        if cells and all(cell in self.words for cell in cells):
            return Origin(("labels", self.words[cells[0]]), "table header the theme prints")
        return None

    def _text(self, key: str, section: int | None) -> Origin | None:
        groups = ([self.section_fields[section]] if section is not None else []) + \
                 [fields for s, fields in self.section_fields.items() if s != section] + [self.others]
        for fields in groups:
            for text, path, what in fields:
                if text == key:
                    return Origin(path, what)
        # An entry reads "name, role. text": the same words, with the theme's punctuation.
        letters = _letters(key)
        for fields in groups:
            for text, path, what in fields:
                if what.endswith("entry") and _letters(text) == letters:
                    return Origin(path, what)
        if key.startswith(self.publisher):
            return Origin(("publisher",), "publisher")
        return None


def _letters(text: str) -> str:
    return "".join(char for char in text.lower() if char.isalnum())

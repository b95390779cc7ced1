"""The typed profile: the one input every writer takes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

# A profile is a few kB; a content file this large is a mistake or an attack, refused before reading.
MAX_CONTENT_BYTES = 1_000_000
# Word's limit for a document property (title, subject, author, keywords); python-docx enforces it.
WORD_PROPERTY_LIMIT = 255
# Characters no document can hold: XML 1.0 forbids most (python-docx would crash on them, PDF text
# cannot carry them); DEL and the C1 controls are legal XML but not printable YAML, so front matter
# could not hold them. Content holding one is refused; one in an output's text is an artefact.
NOT_IN_DOCUMENTS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


# A slug as the schema has it (dossier/schema.json: properties.slug.pattern; a test holds the two together):
# it names the output folder and files, so it can never lead out of the output folder.
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

ISO_DATE = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")


def parse_as_of(text: str) -> dt.date:
    """'2025-09-15' → that date; '2025-09' → the first of that month; '2025' → its first day.
    ValueError if no such date."""
    parts = [int(part) for part in text.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


@dataclass(frozen=True)
class Fact:
    id: str
    label: str
    value: str  # as written: may still contain [[references]]; references.py resolves them
    forms: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "forms", MappingProxyType(dict(self.forms)))


@dataclass(frozen=True)
class Entry:
    """A product, person or organisation: rendered 'name, role. text'."""

    name: str
    role: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Block:
    """One block of a section: kind is paragraph, list, products, people or organisations."""

    kind: str
    text: str | None = None
    items: tuple[str, ...] = ()
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Publisher:
    name: str
    tagline: str | None = None
    about: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Milestone:
    """One dated step of the timeline: `date` as written (YYYY, YYYY-MM, YYYY-MM-DD or a fact
    reference such as [[release_date]]), `label` a short plain text."""

    date: str
    label: str


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class Profile:
    source: str
    slug: str
    name: str
    description: str
    lead: str
    language: str
    as_of: str  # YYYY-MM or YYYY-MM-DD
    keywords: tuple[str, ...]
    publisher: Publisher
    facts: Mapping[str, Fact]
    at_a_glance: tuple[str, ...]
    key_figures: tuple[str, ...]
    sections: tuple[Section, ...]
    sources: tuple[Source, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)  # the theme's words, overridden for this profile
    timeline: tuple[Milestone, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "facts", MappingProxyType(dict(self.facts)))
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))

    @property
    def date(self) -> dt.date:
        """The profile's date; a month-precision as_of maps to the first of that month."""
        return parse_as_of(self.as_of)

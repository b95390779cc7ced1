"""Profile → template context: fact references resolved, one context for every template."""

from __future__ import annotations

import re
from typing import Callable

from . import __version__, markup
from .content import REFERENCE, REFERENCE_BODY, fact_texts, node_name, topological_order
from .model import Profile

GENERATOR = f"dossier {__version__}"
SUBJECT_LIMIT = 255  # Word's limit for a core property; python-docx enforces it


def resolved_ledger(profile: Profile) -> dict[tuple[str, str | None], str]:
    """Every fact value and form with its references replaced: {(id, form or None): text}.

    Computed once, in dependency order, so nesting costs nothing extra; load_profile has
    already refused loops and expansions past its limit.
    """
    nodes = fact_texts(profile.facts)
    order, loop = topological_order(nodes)
    if loop:
        raise ValueError("fact references loop: " + " -> ".join(map(node_name, loop)))
    done: dict = {}
    for node in order:
        done[node] = _substitute(nodes[node], done, str)
    return done


def resolve(text: str, profile: Profile, escape: Callable[[str], str] = str, ledger: dict | None = None) -> str:
    """Replace [[id]] and [[id.form]] in `text` by the fact's value (or form).

    `escape` is applied to each inserted value: fact values are plain text, so
    inserting them into Markdown prose escapes them as Markdown.
    """
    return _substitute(text, resolved_ledger(profile) if ledger is None else ledger, escape)


def _substitute(text: str, ledger: dict, escape: Callable[[str], str]) -> str:
    def replace(match: re.Match) -> str:
        parsed = REFERENCE_BODY.match(match.group(1).strip())
        return escape(ledger[(parsed.group(1), parsed.group(2))])

    return REFERENCE.sub(replace, text)


def fact_values(profile: Profile, ledger: dict | None = None) -> dict[str, str]:
    """Every fact's value as plain text, references resolved: the ledger verification checks."""
    ledger = resolved_ledger(profile) if ledger is None else ledger
    return {fact_id: ledger[(fact_id, None)] for fact_id in profile.facts}


def build_context(profile: Profile) -> dict:
    """The context every template gets. Prose stays inline Markdown; templates pick the filter."""

    ledger = resolved_ledger(profile)

    def prose(text: str | None) -> str | None:
        return None if text is None else _substitute(text, ledger, markup.escape_specials)

    values = fact_values(profile, ledger)
    facts = [{"id": f.id, "label": f.label, "value": values[f.id]} for f in profile.facts.values()]
    by_id = {fact["id"]: fact for fact in facts}
    shown_elsewhere = set(profile.at_a_glance) | set(profile.key_figures)
    sections = []
    for section in profile.sections:
        blocks = []
        for block in section.blocks:
            blocks.append({
                "kind": block.kind,
                "text": prose(block.text),
                "bullets": [prose(item) for item in block.items],
                "entries": [{"name": e.name, "role": prose(e.role), "text": prose(e.text)} for e in block.entries],
            })
        sections.append({"title": section.title, "blocks": blocks})
    publisher = profile.publisher
    return {
        "slug": profile.slug,
        "name": profile.name,
        "description": prose(profile.description),
        "subject": subject(profile, ledger),
        "metadata": metadata(profile, ledger),
        "lead": prose(profile.lead),
        "language": profile.language,
        "as_of": profile.as_of,
        "as_of_display": profile.as_of_display,
        "date": profile.date.isoformat(),
        "keywords": list(profile.keywords),
        "publisher": {"name": publisher.name, "tagline": publisher.tagline,
                      "about": prose(publisher.about), "url": publisher.url},
        "facts": facts,
        "at_a_glance": [by_id[i] for i in profile.at_a_glance],
        "key_figures": [by_id[i] for i in profile.key_figures],
        "other_facts": [f for f in facts if f["id"] not in shown_elsewhere],
        "sections": sections,
        "sources": [{"title": s.title, "url": s.url} for s in profile.sources],
        "products": [entry for section in sections for block in section["blocks"]
                     if block["kind"] == "products" for entry in block["entries"]],
        "attribution": attribution(profile),
        "generator": GENERATOR,
    }


def metadata(profile: Profile, ledger: dict | None = None) -> dict[str, str]:
    """Document metadata, identical in every output: PDF info, DOCX core properties, front matter.

    Strings are already one line: load_profile collapses whitespace in all content.
    """
    return {
        "title": profile.name,
        "subject": subject(profile, ledger),
        "author": profile.publisher.name,
        "keywords": ", ".join(profile.keywords),
        "language": profile.language,
        "created": profile.date.isoformat(),
    }


def subject(profile: Profile, ledger: dict | None = None) -> str:
    """The description as plain text for metadata, within Word's 255-character property limit."""
    text = markup.plain_text(resolve(profile.description, profile, markup.escape_specials, ledger))
    if len(text) <= SUBJECT_LIMIT:
        return text
    return text[: SUBJECT_LIMIT - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def attribution(profile: Profile) -> str:
    """Who published the profile, as one line: 'Nextomoro — AI Research Lab Intelligence'."""
    publisher = profile.publisher
    return f"{publisher.name} — {publisher.tagline}" if publisher.tagline else publisher.name


def anchor(title: str) -> str:
    """A stable anchor for a heading, as GitHub makes them: lower case, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", title.lower(), flags=re.UNICODE)
    return text.strip().replace(" ", "-")

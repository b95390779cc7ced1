"""The per-profile Document: fact ledger, metadata, template context and the long-form report, built once.

Every writer and the verifier read the same Document (as pandoc's writers all read one
AST), so nothing about a profile is worked out twice and the outputs cannot disagree.
"""

from __future__ import annotations

import logging
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from . import i18n, markup
from ._meta import GENERATOR
from .errors import TemplateError
from .i18n import Words, words_for
from .model import WORD_PROPERTY_LIMIT, Profile
from .references import REFERENCE, resolve_ledger, substitute
from .scripts import language_direction

if TYPE_CHECKING:
    from .brand import Brand

LOGGER = logging.getLogger("dossier.words")

REPORT_TEMPLATE = "report.md.j2"  # the long-form report, as Markdown: the .md and the Word report
TIMELINE_PICTURE = "{slug}-timeline.png"  # the report's picture of the timeline, beside the Markdown
LOGO_FILE = "{slug}-logo{suffix}"  # the brand's logo beside the Markdown, its suffix the brand file's

# What every template gets (Document.context), declared here for theme authors; docs/reference/context.md
# is made from it, and a test holds it to what `context` builds. Prose is inline Markdown: pick a filter
# (`md` for Markdown, `html` for HTML, `md_text` for plain text set as Markdown).
CONTEXT = {
    "slug": "the profile's slug: lower-case letters, digits and hyphens",
    "name": "the subject's name, plain text (the title of every output)",
    "description": "one sentence, inline Markdown, fact references replaced",
    "subject": "the description as plain text, within Word's 255-character property limit",
    "metadata": "what every output carries and verification checks: `title`, `subject`, `author`, `keywords` "
                "(joined with ', '), `language`, `created` (YYYY-MM-DD)",
    "lead": "the opening paragraph, inline Markdown",
    "language": "the profile's BCP 47 language tag",
    "direction": "'rtl' or 'ltr': the whole document's, from the language",
    "words": "every word the theme prints, in the profile's language (messages/<language>.yaml, then the "
             "profile's `labels:`), by key",
    "as_of": "the profile's date as written: YYYY, YYYY-MM or YYYY-MM-DD",
    "as_of_display": "that date in the profile's language ('15 septembre 2025')",
    "date": "the profile's date as YYYY-MM-DD (a month: its first day)",
    "keywords": "the keywords, a list of plain texts",
    "publisher": "`name`, `tagline` and `url` (plain text, or none) and `about` (inline Markdown, or none)",
    "facts": "every fact, in the content's order: `id`, `label`, `value` (plain text, references resolved)",
    "at_a_glance": "the facts listed under 'At a glance', as in `facts`",
    "key_figures": "the facts shown as key figures, as in `facts`",
    "other_facts": "the facts neither at a glance nor a key figure",
    "sections": "each section: `title` and `blocks`; a block has `kind` (paragraph, list, products, people, "
                "organisations), `text` (a paragraph's), `bullets` (a list's) and `entries` (`name`, "
                "`role`, `text`), prose in inline Markdown",
    "sources": "each source: `title` and `url`",
    "timeline": "the milestones in date order: `date` (YYYY[-MM[-DD]]), `when` (as printed), `label`, "
                "`index` (its place in the content)",
    "timeline_picture": "the timeline's picture beside the report: `name` (its file) and `alt`",
    "logo": "the brand's logo beside the report, `file` and `alt`; none without a brand logo",
    "products": "every entry of the sections' products blocks",
    "attribution": "the publisher's name and tagline, as the documents credit them",
    "generator": "'dossier' and its version",
}


class Document:
    """One profile ready to publish.

    `ledger`, `facts` and `metadata` are computed at once (verification needs nothing
    else); the template `context` and the rendered `report` when first asked for.
    """

    def __init__(self, profile: Profile, env=None, *, strict: bool = False, brand: Brand | None = None):
        self.profile = profile
        self.env = env  # the theme's Jinja environment; None when only verifying
        self.brand = brand  # the project's brand (brand.py), or None: the theme's own look
        self.strict = strict  # a word the theme lacks in the profile's language is then an error
        self.ledger = resolve_ledger(profile.facts)
        # Every fact's value as plain text, references resolved: the ledger verification checks.
        self.facts: dict[str, str] = {fact_id: self.ledger[(fact_id, None)] for fact_id in profile.facts}
        self.timeline = self._timeline()
        # What verification looks for in every output: each fact, and each milestone's date and label.
        self.checked: dict[str, str] = dict(self.facts)
        for milestone in self.timeline:  # named by their place in the content, whatever their date order
            self.checked[f"timeline[{milestone['index']}].date"] = milestone["when"]
            self.checked[f"timeline[{milestone['index']}].label"] = milestone["label"]
        self.subject = _subject(markup.plain_text(self.prose(profile.description)))
        publisher = profile.publisher
        self.attribution = f"{publisher.name} — {publisher.tagline}" if publisher.tagline else publisher.name
        # Identical in every output (PDF info, DOCX core properties, front matter) and verified.
        # Strings are already one line: load_profile collapses whitespace in all content.
        self.metadata: dict[str, str] = {
            "title": profile.name,
            "subject": self.subject,
            "author": publisher.name,
            "keywords": ", ".join(profile.keywords),
            "language": profile.language,
            "created": profile.date.isoformat(),
        }

    def _timeline(self) -> list[dict[str, str]]:
        """The milestones in date order: `date` (YYYY[-MM[-DD]]), `when` (the date as printed: a fact's
        value as written, else the date in the profile's language), `label`, and `index`, the
        milestone's place in the content's `timeline:`."""
        language = self.profile.language
        milestones = []
        for index, milestone in enumerate(self.profile.timeline):
            reference = REFERENCE.fullmatch(milestone.date)
            when = self.facts[reference.group(1)] if reference else i18n.format_as_of(milestone.date, language)
            date = i18n.parse_written_date(when if reference else milestone.date, language)
            milestones.append({"date": date, "when": when, "label": milestone.label, "index": index})
        return sorted(milestones, key=lambda milestone: milestone["date"])

    @property
    def timeline_picture_name(self) -> str:
        """The timeline's picture, a file beside the Markdown and a picture in the Word report."""
        return TIMELINE_PICTURE.format(slug=self.profile.slug)

    @property
    def picture_names(self) -> tuple[str, ...]:
        """The file names of the pictures the report shows, known without drawing them (formats/pdf/pictures.py
        draws them: the timeline band, if there is a timeline)."""
        return (self.timeline_picture_name,) if self.timeline else ()

    @property
    def logo_file_name(self) -> str | None:
        """The brand logo's file beside the Markdown, named after the profile: '<slug>-logo.svg'."""
        brand = self.brand
        if brand is None or brand.logo is None:
            return None
        return LOGO_FILE.format(slug=self.profile.slug, suffix=Path(brand.logo.filename).suffix.lower())

    @property
    def logo_alt(self) -> str:
        """The brand logo's alternative text: the brand's own, else the theme's words with its name."""
        brand = self.brand
        if brand is None or brand.logo is None:
            return ""
        return brand.logo.alt or self.words.format("logo_alt", name=brand.name or self.profile.publisher.name)

    @property
    def timeline_alt(self) -> str:
        """The timeline picture's alternative text: every milestone, date and label, in order."""
        if not self.timeline:
            return ""
        steps = self.words["step_separator"].join(f"{milestone['when']}: {milestone['label']}"
                                                  for milestone in self.timeline)
        return f"{self.words['timeline']}. {steps}"

    @property
    def slug(self) -> str:
        return self.profile.slug

    @property
    def source(self) -> str:
        return self.profile.source

    def prose(self, text: str | None) -> str | None:
        """Inline-Markdown prose with its fact references replaced (values escaped as Markdown)."""
        return None if text is None else substitute(text, self.ledger, markup.escape_specials)

    @cached_property
    def words(self) -> Words:
        """Every word the theme prints, in the profile's language (see i18n.py)."""
        from .templating import template_folders

        if self.env is None:
            raise RuntimeError("this Document has no theme: it can be verified against, not rendered")
        words, warnings = words_for(self.profile.language, template_folders(self.env), dict(self.profile.labels))
        label = str(self.profile.source)
        if warnings and self.strict:
            raise TemplateError("\n".join(f"{label}: {warning} (an error under --strict)" for warning in warnings))
        for warning in warnings:
            LOGGER.warning("%s: %s", label, warning)
        return words

    @property
    def direction(self) -> str:
        """'rtl' or 'ltr': the whole document's direction, from the profile's language."""
        return language_direction(self.profile.language)

    @cached_property
    def context(self) -> dict:
        """What every template gets. Prose stays inline Markdown; templates pick the filter."""
        profile, prose = self.profile, self.prose
        facts = [{"id": f.id, "label": f.label, "value": self.facts[f.id]} for f in profile.facts.values()]
        by_id = {fact["id"]: fact for fact in facts}
        shown_elsewhere = set(profile.at_a_glance) | set(profile.key_figures)
        sections = [{"title": section.title, "blocks": [{
            "kind": block.kind,
            "text": prose(block.text),
            "bullets": [prose(item) for item in block.items],
            "entries": [{"name": e.name, "role": prose(e.role), "text": prose(e.text)} for e in block.entries],
        } for block in section.blocks]} for section in profile.sections]
        publisher = profile.publisher
        return {
            "slug": profile.slug,
            "name": profile.name,
            "description": prose(profile.description),
            "subject": self.subject,
            "metadata": self.metadata,
            "lead": prose(profile.lead),
            "language": profile.language,
            "direction": self.direction,
            "words": self.words.as_dict(),
            "as_of": profile.as_of,
            "as_of_display": i18n.format_as_of(profile.as_of, profile.language),
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
            "timeline": self.timeline,
            "timeline_picture": {"name": self.timeline_picture_name, "alt": self.timeline_alt},
            "logo": {"file": self.logo_file_name, "alt": self.logo_alt} if self.logo_file_name else None,
            "products": [entry for section in sections for block in section["blocks"]
                         if block["kind"] == "products" for entry in block["entries"]],
            "attribution": self.attribution,
            "generator": GENERATOR,
        }

    @cached_property
    def report(self) -> str:
        """The long-form report as Markdown text, rendered once: the .md is it, the Word report is made from it."""
        from .templating import render_template

        if self.env is None:
            raise RuntimeError("this Document has no theme: it can be verified against, not rendered")
        return render_template(self.env, REPORT_TEMPLATE, self.context)

    @cached_property
    def report_body(self) -> str:
        """The report without its YAML front matter."""
        return split_front_matter(self.report)[1]


def split_front_matter(text: str) -> tuple[str, str]:
    """'---\\n…\\n---\\n body' → (front matter text, body). No front matter → ('', text)."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[4:end], text[end + 5:]
    return "", text


def _subject(text: str) -> str:
    """The description as plain text for metadata, within Word's 255-character property limit."""
    if len(text) <= WORD_PROPERTY_LIMIT:
        return text
    return text[: WORD_PROPERTY_LIMIT - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def anchor(title: str) -> str:
    """A stable anchor for a heading, as GitHub makes them: lower case, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", title.lower(), flags=re.UNICODE)
    return text.strip().replace(" ", "-")

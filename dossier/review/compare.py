"""Compare an edited report with the one dossier would send now: block by block, then words within blocks.

Blocks are aligned as sequences (difflib, on their normalised text). What is left over is paired up:
the same text elsewhere is a move; similar text in the same stretch is a change; the rest was added
or deleted. Each finding carries the key path of the content that made the block, so the review
can say which line of the YAML to edit.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from ..verify import contains, normalise, occurrences
from . import words
from .origins import Origin, Origins
from .reading import Comment, Report, ReportBlock, Tracked

SIMILAR = 0.5  # word similarity from which two blocks in one stretch are one block changed
MOVED_AND_CHANGED = 0.8  # … and from which a block gone here and one new there are one block moved
MAX_PAIRING = 40_000  # block pairs compared for similarity in one stretch; past it, only exact text pairs
PROPERTIES = {"title": ("name",), "subject": ("description",), "author": ("publisher", "name"),
              "keywords": ("keywords",)}
BEGINNING = "(title, description and lead)"


@dataclass
class Item:
    """One finding of a review."""

    kind: str  # changed, added, deleted, moved, fact, tracked, comment, property
    section: str
    what: str  # paragraph, list item, table row, heading, fact, title, …
    path: tuple | None  # the content's key path to edit; None when no content field made it
    old: str = ""  # the text dossier would send now
    new: str = ""  # the text as the editor left it (pending changes accepted)
    note: str = ""
    fact: str | None = None
    tracked: list[Tracked] = field(default_factory=list)
    comment: Comment | None = None
    counts: bool = True  # a difference between the report and the content (decides the exit code)
    order: float = 0.0


def compare(regenerated: Report, edited: Report, document) -> list[Item]:
    """Every difference between the two reports, and every pending tracked change and comment of the edited one."""
    origins = Origins(document)
    regen = regenerated.blocks
    found_origins = origins.of_blocks(regen)
    sections = _sections(regen)
    kept = [b for b in edited.blocks if not b.removed]
    removed = [b for b in edited.blocks if b.removed]
    alignment = align(regen, kept)
    pairs, changed, moved, leftover_new, after = (alignment.pairs, alignment.changed, alignment.moved,
                                                   alignment.added, alignment.after)

    # Positions by identity, and removed blocks by their text, worked out once: a hostile file may hold
    # thousands of pending deletions, and scanning lists per block made a 116 KB file take a minute.
    position = {id(block): j for j, block in enumerate(kept)}
    place = {id(block): k for k, block in enumerate(edited.blocks)}
    removed_by_key: dict[str, list[ReportBlock]] = {}
    for b in removed:
        if b.original:
            removed_by_key.setdefault(normalise(b.original), []).append(b)

    items: list[Item] = []
    used: set = set()  # removed blocks reported with the block they deleted
    vanished: set[str] = set()  # facts reported as gone from the report (once each)
    edited_text = normalise("\n".join(b.text for b in kept), keep_lines=True)

    def origin_of(i: int) -> Origin | None:
        return found_origins[i] if 0 <= i < len(found_origins) else None

    def section_of(i: int) -> str:
        return sections[i] if 0 <= i < len(sections) else BEGINNING

    for i, block in enumerate(regen):
        origin = origin_of(i)
        path = origin.path if origin else None
        what = _what(block, origin)
        if i in pairs or i in changed:
            j = pairs.get(i, changed.get(i))
            other = kept[j]
            if i in changed:
                items.extend(_changed(block, other, origin, what, section_of(i), i, document, edited_text))
            elif other.tracked:
                items.append(Item("tracked", section_of(i), what, path, block.text, other.text,
                                  note="pending tracked changes; the text they leave is what the content says now",
                                  tracked=list(other.tracked), counts=False, order=i))
        elif i in moved:
            j = moved[i]
            other = kept[j]
            before = kept[j - 1].text if j > 0 else ""
            note = f"now after {_short(before)!r}" if before else "now at the beginning"
            if other.key != block.key:
                items.append(Item("moved", section_of(i), what, path, block.text, other.text,
                                  note=note + "; and changed", tracked=list(other.tracked), order=i))
                items.extend(_fact_items(block, other, origin, section_of(i), i, document, edited_text))
            else:
                items.append(Item("moved", section_of(i), what, path, block.text, other.text, note=note,
                                  tracked=list(other.tracked), order=i))
        else:
            gone = [b for b in removed_by_key.get(block.key, ()) if b not in used][:1]
            used.update(gone[:1])
            tracked = [change for b in gone[:1] for change in b.tracked]
            note = "deleted as a pending tracked change" if tracked else ""
            items.append(Item("deleted", section_of(i), what, path, block.text, "", note=note, tracked=tracked,
                              order=i))
            items.extend(_vanished_facts(block, section_of(i), i, document, edited_text, vanished))
    nearest = _nearest_matched(edited.blocks, position, {j: i for i, j in {**pairs, **changed, **moved}.items()})
    for block in removed:  # a pending deletion of text the content no longer has either
        if block in used:
            continue
        i = nearest[place[id(block)]]
        origin = origin_of(i)
        items.append(Item("tracked", section_of(i), "deleted " + ("table row" if block.kind == "row" else block.kind),
                          origin.path if origin else None, block.original, "",
                          note="deleted as a pending tracked change; the content does not have it either",
                          tracked=list(block.tracked), counts=False, order=i + 0.6))
    for j in leftover_new:
        block = kept[j]
        i = after[j]
        origin = origin_of(i)
        where = f"after {format_path(origin.path)}" if origin else ""
        fact_row = block.kind == "row" and origin is not None and origin.what == "fact"
        items.append(Item("added", section_of(i), "fact" if fact_row else _what(block, None),
                          ("facts",) if fact_row else (origin.path if origin else None), "", block.text,
                          note=("a new row in a table of facts: add the fact to `facts` (and to at_a_glance or "
                                "key_figures)" if fact_row else (f"insert {where}" if where else "")),
                          tracked=list(block.tracked), order=i + 0.5))
    matched = {j: i for i, j in {**pairs, **changed, **moved}.items()}
    for comment in edited.comments:
        if comment.block is None:
            items.append(Item("comment", "(elsewhere)", "comment", None, comment=comment, counts=False,
                              order=len(regen) + 1))
            continue
        block = edited.blocks[comment.block]
        j = position.get(id(block))
        i = matched.get(j) if j is not None else None
        if i is None:
            i = after[j] if j is not None else nearest[comment.block]
        origin = origin_of(i)
        items.append(Item("comment", section_of(i), "comment", origin.path if origin else None,
                          comment=comment, counts=False, order=i + 0.75))
    _note_inconsistent_facts(items, regen, kept, {**pairs, **changed, **moved}, found_origins, sections, document)
    items.extend(_properties(edited.properties, document))
    items.sort(key=lambda item: item.order)
    return items


@dataclass
class Alignment:
    """How the blocks of one report map onto another's (indices into each list)."""

    pairs: dict[int, int]  # the same text
    changed: dict[int, int]  # one block, changed
    moved: dict[int, int]  # one block, moved (and perhaps changed)
    deleted: list[int]  # old blocks with no counterpart
    added: list[int]  # new blocks with no counterpart
    after: list[int]  # for each new block, the old block it follows (-1: the beginning)


def align(old: list[ReportBlock], new: list[ReportBlock]) -> Alignment:
    """Align two reports' blocks: difflib on their text, then moves and changes paired up in what is left."""
    matcher = difflib.SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    pairs: dict[int, int] = {}
    hunks = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pairs.update(zip(range(i1, i2), range(j1, j2)))
        else:
            hunks.append((list(range(i1, i2)), list(range(j1, j2))))
    moved: dict[int, int] = {}
    gone = [i for h in hunks for i in h[0]]
    added = [j for h in hunks for j in h[1]]
    by_key: dict[str, list[int]] = {}
    for j in added:
        by_key.setdefault(new[j].key, []).append(j)
    for i in gone:  # the same text elsewhere: moved
        if by_key.get(old[i].key):
            moved[i] = by_key[old[i].key].pop(0)
    taken = set(moved.values())
    changed: dict[int, int] = {}
    for olds, news in hunks:
        olds = [i for i in olds if i not in moved]
        news = [j for j in news if j not in taken]
        _pair_similar(olds, news, old, new, changed, taken)
    leftover_old = [i for i in gone if i not in moved and i not in changed]
    leftover_new = [j for j in added if j not in taken]
    for i in list(leftover_old):  # similar text elsewhere: moved and changed
        if len(leftover_new) * len(leftover_old) > MAX_PAIRING:
            break
        best = max(leftover_new, key=lambda j: words.similarity(old[i].text, new[j].text), default=None)
        if best is not None and words.similarity(old[i].text, new[best].text) >= MOVED_AND_CHANGED:
            moved[i] = best
            leftover_new.remove(best)
            leftover_old.remove(i)
            taken.add(best)
    after = _insertion_points(len(new), {**pairs, **changed, **moved})
    return Alignment(pairs, changed, moved, leftover_old, leftover_new, after)


def _pair_similar(olds, news, regen, kept, changed, taken) -> None:
    """Pair blocks of one stretch: similar text in order, then a lone heading, row or block of a kind."""
    if olds and news and len(olds) * len(news) <= MAX_PAIRING:
        last = -1
        for i in olds:
            scored = [(words.similarity(regen[i].text, kept[j].text), j) for j in news
                      if j > last and j not in taken and kept[j].kind == regen[i].kind]
            if scored:
                score, j = max(scored)
                if score >= SIMILAR:
                    changed[i], last = j, j
                    taken.add(j)
    rest_old = [i for i in olds if i not in changed]
    rest_new = [j for j in news if j not in taken]
    for kind in {regen[i].kind for i in rest_old}:
        these = [i for i in rest_old if regen[i].kind == kind]
        those = [j for j in rest_new if kept[j].kind == kind]
        if len(these) == len(those) and (len(these) == 1 or kind in ("heading", "row")):
            for i, j in zip(these, those):
                changed[i] = j
                taken.add(j)


def _insertion_points(count: int, matched: dict[int, int]) -> list[int]:
    """For each edited block, the regenerated block it follows (-1: the beginning)."""
    by_edited = {j: i for i, j in matched.items()}
    after, last = [], -1
    for j in range(count):
        if j in by_edited:
            last = by_edited[j]
        after.append(last)
    return after


def _nearest_matched(blocks: list[ReportBlock], position: dict[int, int], matched: dict[int, int]) -> list[int]:
    """For each block of the edited report, the regenerated block matched to the nearest kept block at or
    before it (-1 if none): where a pending deletion or a comment on a removed block belongs."""
    nearest, last = [], -1
    for block in blocks:
        j = position.get(id(block))
        if j is not None and j in matched:
            last = matched[j]
        nearest.append(last)
    return nearest


def _sections(blocks: list[ReportBlock]) -> list[str]:
    """The section (the Heading 1 above it) of each block."""
    found, current = [], BEGINNING
    for block in blocks:
        if block.kind == "heading" and block.level == 1:
            current = block.text
        found.append(current)
    return found


def _what(block: ReportBlock, origin: Origin | None) -> str:
    if origin is not None and (origin.what in ("fact", "milestone", "section title", "description", "lead")
                               or origin.what.endswith("entry")):
        return origin.what
    return {"row": "table row", "heading": "heading", "title": "title", "subtitle": "description",
            "picture": "picture"}.get(block.kind, block.kind)


def _changed(block: ReportBlock, other: ReportBlock, origin: Origin | None, what: str, section: str, order: int, document,
             edited_text: str) -> list[Item]:
    path = origin.path if origin else None
    facts = _fact_items(block, other, origin, section, order, document, edited_text)
    if origin is not None and origin.what == "fact":
        cells_old, cells_new = block.text.split(" | "), other.text.split(" | ")
        label_changed = normalise(cells_old[0]) != normalise(cells_new[0] if cells_new else "")
        if not label_changed and facts:
            for item in facts:
                item.tracked = list(other.tracked)
            return facts  # the row says no more than its fact does
        if label_changed and len(cells_new) == len(cells_old) and normalise(" ".join(cells_old[1:])) == \
                normalise(" ".join(cells_new[1:])):
            return [Item("changed", section, "fact label", path + ("label",), cells_old[0], cells_new[0],
                         tracked=list(other.tracked), order=order)]
    note = ""
    if block.kind != other.kind:
        note = f"now a {other.kind}" if other.kind != "row" else "now a table row"
    item = Item("changed", section, what, path, block.text, other.text, note=note, tracked=list(other.tracked),
                order=order)
    if what == "heading" and path and path[0] == "labels":
        item.note = (f"a heading the theme prints: set `labels: {{{path[1]}: …}}` in the content to rename it "
                     "for this profile")
    return [item] + facts


def _fact_items(block: ReportBlock, other: ReportBlock, origin: Origin | None, section: str, order: int, document,
                edited_text: str) -> list[Item]:
    """A fact whose value the edit touched, in this block: (fact id, value now, the editor's text there)."""
    if block.kind == "picture":
        return []
    old, new = block.key, other.key
    found = words.edits(old, new)
    items = []
    where = format_path(origin.path) if origin else "the theme's text"
    for fact_id, value in document.facts.items():
        value = normalise(value)
        for start, end in occurrences(old, value):
            span = words.new_span(found, start, end)
            if span is None:
                continue
            text = new[span[0]:span[1]].strip(" |")
            anywhere = contains(edited_text, value)
            note = f"in {where}" if origin and origin.what != "fact" else ""
            if not anywhere:
                note += ("; " if note else "") + "the value is nowhere in the edited report now"
            items.append(Item("fact", section, "fact", ("facts", fact_id, "value"), document.facts[fact_id], text,
                              note=note, fact=fact_id, order=order + 0.1))
            break
    return items


def _note_inconsistent_facts(items, regen, kept, matched, found_origins, sections, document) -> None:
    """A fact the editor changed in some places and not in others: say what each place says now."""
    changed_facts = {item.fact for item in items if item.kind == "fact" and item.fact}
    for fact_id in changed_facts:
        value = normalise(document.facts[fact_id])
        readings: dict[str, list[str]] = {}
        for i, block in enumerate(regen):
            if block.kind == "picture":
                continue
            for start, end in occurrences(block.key, value)[:1]:
                j = matched.get(i)
                if j is None:
                    text = "(deleted)"
                else:
                    span = words.new_span(words.edits(block.key, kept[j].key), start, end)
                    text = value if span is None else kept[j].key[span[0]:span[1]].strip(" |")
                origin = found_origins[i]
                place = (f"the {sections[i]} table" if origin and origin.what == "fact"
                         else format_path(origin.path) if origin else sections[i])
                readings.setdefault(text, []).append(place)
        if len(readings) > 1:
            said = "; ".join(f"{text!r} in {', '.join(places)}" for text, places in readings.items())
            for item in items:
                if item.kind == "fact" and item.fact == fact_id:
                    item.note = (item.note + "; " if item.note else "") + f"the edited report is not consistent: {said}"


def _vanished_facts(block: ReportBlock, section: str, order: int, document, edited_text: str,
                    vanished: set[str]) -> list[Item]:
    """The facts a deleted block took with it: reported once each, where the first of them went."""
    items = []
    if block.kind == "picture":
        return items
    for fact_id, value in document.facts.items():
        value = normalise(value)
        if fact_id not in vanished and contains(block.key, value) and not contains(edited_text, value):
            vanished.add(fact_id)
            items.append(Item("fact", section, "fact", ("facts", fact_id, "value"), document.facts[fact_id], "",
                              note="deleted with its block; the value is nowhere in the edited report now",
                              fact=fact_id, order=order + 0.1))
    return items


def _properties(found: dict[str, str], document) -> list[Item]:
    items = []
    for name, path in PROPERTIES.items():
        expected, got = document.metadata[name], found.get(name, "")
        same = _keywords(expected) == _keywords(got) if name == "keywords" else normalise(expected) == normalise(got)
        if not same:
            items.append(Item("property", "(document properties)", name, path, expected, got, order=-1))
    return items


def _keywords(text: str) -> str:
    """Keywords compared without their separators: LibreOffice saves 'a, b c' as 'a b c'."""
    return " ".join(text.replace(",", " ").replace(";", " ").split()).lower()


def _short(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def format_path(path: tuple | None) -> str:
    from ..yamlfile import format_path as content_format_path

    return content_format_path(path) if path else "(no content field)"

"""A review written out: text for a terminal (coloured only on one), JSON for scripts, Markdown for a file."""

from __future__ import annotations

import json

from ..yamlfile import format_path, nearest_mark
from . import words

HEADLINES = {
    "changed": "{what} changed", "added": "{what} added", "deleted": "{what} deleted", "moved": "{what} moved",
    "fact": "fact {fact}", "tracked": "{what}: pending tracked changes", "comment": "comment",
    "property": "document property {what} changed",
}


def location(review, item) -> dict:
    if not item.path:
        return {"file": review.report, "line": None, "column": None, "path": None}
    mark = nearest_mark(review.marks, item.path)
    return {"file": review.content, "line": mark.line, "column": mark.column, "path": format_path(item.path)}


def where(review, item) -> str:
    place = location(review, item)
    if place["path"] is None:
        return f"{review.report}: (no content field: the theme's text)"
    return f"{place['file']}:{place['line']}:{place['column']}: {place['path']}"


def headline(item) -> str:
    text = HEADLINES[item.kind].format(what=item.what, fact=item.fact)
    if item.kind == "fact":
        if not item.new:
            text += " disappeared"
        else:
            text += " changed"
    return text


def when(date: str) -> str:
    """'2026-05-02T10:00:00Z' → '2026-05-02 10:00'."""
    if "T" in date:
        day, time = date.split("T", 1)
        return f"{day} {time[:5]}"
    return date or "no date"


def tracked_line(change) -> str:
    text = f" {_quote(change.text)}" if change.text else ""
    return f"{change.kind}{text} ({_safe(change.author) or 'no author'}, {_safe(when(change.date))})"


def comment_line(comment) -> str:
    anchor = f" on {_quote(comment.anchor)}" if comment.anchor else ""
    return f"{_safe(comment.author) or 'no author'} ({_safe(when(comment.date))}){anchor}: {_safe(comment.text)}"


def _safe(text: str) -> str:
    """Text from the edited file, safe to print: a character that is not printable (a control, an escape
    that a terminal would obey, a bidi override that would reorder the line) is shown as its code."""
    return "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in text)


def _quote(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[:width - 1].rstrip() + "…")


def sections(review) -> list[tuple[str, list]]:
    grouped: dict[str, list] = {}
    for item in review.items:
        grouped.setdefault(item.section, []).append(item)
    return list(grouped.items())


def body_lines(item, style: str) -> list[tuple[str, str]]:
    """The lines under an item's headline, each ('diff' or 'text', line): the text, or the word-level
    difference, then the note and the pending tracked changes."""
    if item.kind == "comment":
        return [("text", comment_line(item.comment))]
    lines = []
    if item.kind in ("fact", "property"):
        lines.append(("text", f"{_quote(item.old, 200)} → {_quote(item.new, 200) if item.new else '(gone)'}"))
    elif item.kind == "tracked" and not item.new:
        lines.append(("text", _quote(item.old, 200)))
    elif item.kind in ("changed", "tracked") or (item.kind == "moved" and item.old != item.new):
        if item.old != item.new:
            old, new = _safe(item.old), _safe(item.new)
            lines.append(("diff", words.marked(old, new, words.edits(old, new), style)))
        else:
            lines.append(("text", _quote(item.new, 200)))
    elif item.kind in ("added", "deleted", "moved"):
        lines.append(("text", _quote(item.new if item.kind == "added" else item.old, 200)))
    if item.note:
        lines.append(("text", item.note))
    if item.tracked:
        lines.append(("tracked", "tracked: " + "; ".join(tracked_line(change) for change in item.tracked)))
    return lines


def summary(review) -> str:
    tracked = sum(len(item.tracked) for item in review.items)
    comments = sum(1 for item in review.items if item.kind == "comment")
    if not review.items:
        return "no changes: the report says what its content says"
    counts = f"{review.changes} change{'s' if review.changes != 1 else ''}"
    extra = []
    if tracked:
        extra.append(f"{tracked} pending tracked change{'s' if tracked != 1 else ''}")
    if comments:
        extra.append(f"{comments} comment{'s' if comments != 1 else ''}")
    more = f" ({', '.join(extra)})" if extra else ""
    advice = "; edit the content where each says, then rebuild" if review.changes else \
        "; the text already matches the content"
    return counts + more + advice


def as_text(review, colour: bool = False) -> str:
    bold, dim, reset = ("\033[1m", "\033[2m", "\033[0m") if colour else ("", "", "")
    out = [f"review: {review.report} against {review.content} (the report dossier would make from it now)"]
    for section, items in sections(review):
        out.append("")
        out.append(f"{bold}{section}{reset}")
        for item in items:
            out.append(f"  {where(review, item)}: {bold}{headline(item)}{reset}")
            for kind, line in body_lines(item, "ansi" if colour else "plain"):
                out.append(f"      {dim}{line}{reset}" if kind == "tracked" else f"      {line}")
    out.append("")
    out.append(summary(review))
    return "\n".join(out) + "\n"


def as_json(review) -> str:
    def item_dict(item) -> dict:
        found = {"kind": item.kind, "what": item.what, "location": location(review, item)}
        if item.kind != "comment":
            found.update({"old": item.old, "new": item.new})
            if item.old and item.new and item.old != item.new:
                found["diff"] = words.marked(item.old, item.new, words.edits(item.old, item.new), "plain",
                                             context=10_000)
        if item.fact:
            found["fact"] = item.fact
        if item.note:
            found["note"] = item.note
        if item.tracked:
            found["tracked_changes"] = [change.as_dict() for change in item.tracked]
        if item.comment is not None:
            found["comment"] = item.comment.as_dict()
        found["counts_as_change"] = item.counts
        return found

    data = {
        "report": review.report, "content": review.content, "slug": review.slug,
        "changes": review.changes,
        "pending_tracked_changes": sum(len(item.tracked) for item in review.items),
        "comments": sum(1 for item in review.items if item.kind == "comment"),
        "exit_code": review.exit_code,
        "sections": [{"section": section, "items": [item_dict(item) for item in items]}
                     for section, items in sections(review)],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _md(text: str) -> str:
    from ..markup import escape_text

    return escape_text(text)


def as_markdown(review) -> str:
    out = [f"# Review of `{review.report}`", "",
           f"Compared with the report dossier would make now from `{review.content}`. {_md(summary(review))}."]
    for section, items in sections(review):
        out += ["", f"## {_md(section)}", ""]
        for item in items:
            out.append(f"- **{_md(headline(item))}** at `{where(review, item)}`")
            for kind, line in body_lines(item, "plain"):
                out.append(f"  - {_md_diff(item)}" if kind == "diff" else f"  - {_md(line)}")
    return "\n".join(out) + "\n"


def _md_piece(text: str) -> str:
    """A piece of a line as Markdown that shows exactly it, its spaces kept."""
    from ..markup import escape_specials

    return escape_specials(text).replace("&", "&amp;").replace("<", "&lt;")


def _md_diff(item) -> str:
    """A word-level difference in Markdown: deletions struck through, insertions in bold."""
    _md = _md_piece
    found = words.edits(item.old, item.new)
    pieces, position = [], 0
    for edit in found:
        pieces.append(_md(item.new[position:edit.b0]) if edit.b0 > position else "")
        if edit.a1 > edit.a0:
            pieces.append(f"~~{_md(item.old[edit.a0:edit.a1])}~~")
        if edit.b1 > edit.b0:
            pieces.append((" " if edit.a1 > edit.a0 else "") + f"**{_md(item.new[edit.b0:edit.b1])}**")
        position = edit.b1
    pieces.append(_md(item.new[position:]))
    return "".join(pieces)


FORMATTERS = {"text": as_text, "json": as_json, "md": as_markdown}

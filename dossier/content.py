"""Content YAML → the typed Profile: the rules of the format (schema, references, dates, text, links).

Reading the file (the door's rules, plain YAML with line marks) is yamlfile.py's; this module says
what a profile may hold, with every problem named by file, line, column and key path.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

from . import yamlfile
from .errors import ContentError
from .markup import allowed_address, escape_specials, forbidden_links, one_line
from .model import (
    MAX_CONTENT_BYTES,
    WORD_PROPERTY_LIMIT,
    Block,
    Entry,
    Fact,
    Milestone,
    Profile,
    Publisher,
    Section,
    Source,
    parse_as_of,
)
from .references import (
    REFERENCE,
    fact_texts,
    node_name,
    parse,
    references,
    resolve_ledger,
    substitute,
    topological_order,
)
from .yamlfile import Mark, type_name

MAX_BYTES = MAX_CONTENT_BYTES  # a profile is a few kB; anything this large is a mistake or an attack
MAX_EXPANDED = 20_000  # characters a field may reach once its fact references are replaced
MAX_EXPANDED_TOTAL = 1_000_000  # characters all fields together may reach: many fields naming one big fact
MAX_SHOWN = 80  # characters of an address quoted in a message


def schema_text() -> str:
    """The content JSON Schema as published, for YAML editors (`dossier schema`)."""
    return resources.files("dossier").joinpath("schema.json").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(schema_text())


def load_profile(path: str | Path, *, strict: bool = False, warn=None, data: bytes | None = None) -> Profile:
    """Read, validate and type one content file.

    Arguments:
        path: the YAML file (named in every message). It must be a regular file of at most
            MAX_BYTES, inside its own folder (a symbolic link may not lead out of it): files.py's rules.
        data: the file's bytes, when the caller has read them already (a batch worker); the
            rule on its folder still holds for `path`.
        strict: treat warnings (unknown keys) as errors.
        warn: called with each warning line; warnings are dropped when None.

    Returns:
        The frozen Profile. Raises ContentError listing every problem of the file.
    """
    path = Path(path)
    read = yamlfile.read(path, limit=MAX_BYTES, data=data)
    data, where = read.data, read.where
    problems: list[str] = []
    warnings: list[str] = []
    _check_schema(data, problems, warnings, where, read.key_marks)
    if not problems:
        _check_references(data, problems, where)
        references_resolve = not problems
        _check_values(data, problems, where)
        _check_text(data, problems, where)
        _check_links(data, problems, where, references_resolve)
    if strict:
        problems.extend(w + " (an error under --strict)" for w in warnings)
    elif warn:
        for line in warnings:
            warn(line)
    if problems:
        raise ContentError(problems)
    return _to_profile(data, path)


def key_path_marks(path: str | Path, *, data: bytes | None = None) -> dict[tuple, Mark]:
    """Where each key path's value starts in a content file: {("sections", 2, "blocks", 3): Mark(57, 9)}.

    Read by the same rules as load_profile (the door's rules, plain YAML only); lines and columns count
    from 1. A file that cannot be read raises ContentError, as load_profile does. `yamlfile.nearest_mark`
    finds the mark of a path that has none (a key a file does not have yet).
    """
    return yamlfile.read(path, limit=MAX_BYTES, data=data).marks


@lru_cache(maxsize=1)
def _validator():
    import jsonschema  # only needed once a file parsed

    return jsonschema.Draft202012Validator(schema())


def _check_schema(data, problems: list[str], warnings: list[str], where, key_marks: dict) -> None:
    validator = _validator()
    found: dict[str, bool] = {}  # message → is a warning; jsonschema repeats some errors
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        for path, message, is_warning, about_key in _describe(error):
            line = where(path, message, key_marks.get(path) if about_key else None)
            found.setdefault(line, is_warning)
    for line, is_warning in found.items():
        (warnings if is_warning else problems).append(line)


def _describe(error):
    """Yield (key path, message, is_warning, about_key) for one jsonschema error, in our words.

    about_key: the message is about the key itself (unknown, invalid), so it points at the key.
    """
    path = tuple(error.absolute_path)
    value = error.instance
    kind = error.validator
    if "propertyNames" in error.relative_schema_path:  # a fact id or label key: reported at the key itself
        what = "label key" if path[:1] == ("labels",) else "fact id"
        yield path + (value,), f"invalid {what} {value!r}: expected lower_snake_case starting with a letter", False, True
        return
    if kind == "oneOf":
        # A block is a paragraph or a one-key mapping: report against the likeliest branch.
        if isinstance(value, dict) and len(value) == 1:
            key = next(iter(value))
            matching = [e for e in error.context if e.validator != "type" and key in str(e.schema_path)]
            best = [e for e in error.context if tuple(e.absolute_path)[len(path):][:1] == (key,)]
            for sub in best or matching:
                yield from _describe(sub)
            if best or matching:
                return
        yield path, (f"expected a paragraph (text) or a mapping with one of the keys list, products, "
                     f"people, organisations, got {_show(value)}"), False, False
        return
    if kind == "type":
        expected = {"string": "a string", "array": "a list", "object": "a mapping", "integer": "a number",
                    "number": "a number", "boolean": "a boolean"}.get(error.validator_value, error.validator_value)
        yield path, f"expected {expected}, got {_show(value)}", False, False
    elif kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        for key in missing:
            yield path, f"missing required key {key!r}", False, False
    elif kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = [k for k in value if k not in error.schema.get("properties", {})]
        for key in extra:
            yield path + (key,), f"unknown key {key!r} (expected one of: {', '.join(allowed)})", True, True
    elif kind == "pattern":
        hint = error.schema.get("description") or f"text matching {error.validator_value}"
        if error.validator_value == "\\S":
            hint = "non-blank text"
        hint = hint.rstrip(".")
        yield path, f"expected {hint[0].lower() + hint[1:]}, got {_show(value)}", False, False
    elif kind == "not" and path == ("slug",):
        yield path, f"expected a name Windows does not reserve (con, prn, aux, nul, com1-9, lpt1-9), got {_show(value)}", False, False
    elif kind == "minLength":
        yield path, f"expected non-empty text, got {_show(value)}", False, False
    elif kind in ("minItems", "maxItems"):
        yield path, f"expected {'at least' if kind == 'minItems' else 'at most'} {error.validator_value:,} items, got {len(value):,}", False, False
    elif kind == "minProperties":
        yield path, f"expected at least {error.validator_value} entry, got none", False, False
    elif kind == "maxProperties":
        yield path, f"expected at most {error.validator_value:,} entries, got {len(value):,}", False, False
    elif kind == "uniqueItems":
        yield path, "expected unique items, got a repeated item", False, False
    elif kind == "maxLength":
        yield path, f"expected at most {error.validator_value:,} characters, got {len(value):,}", False, False
    else:
        yield path, error.message, False, False


def _show(value) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"{type_name(value)} {shown!r}" if value.strip() else "blank text"
    if value is None:
        return "nothing (null)"
    if isinstance(value, (bool, int, float)):
        return f"{type_name(value)} {value!r}"
    return type_name(value)


def _prose_fields(data: dict):
    """Yield (key path, text) for every field that may contain fact references."""
    for key in ("description", "lead"):
        yield (key,), data[key]
    if "about" in data["publisher"]:
        yield ("publisher", "about"), data["publisher"]["about"]
    for fact_id, fact in data["facts"].items():
        yield ("facts", fact_id, "value"), fact["value"]
        for form, text in fact.get("forms", {}).items():
            yield ("facts", fact_id, "forms", form), text
    for s, section in enumerate(data["sections"]):
        for b, block in enumerate(section["blocks"]):
            base = ("sections", s, "blocks", b)
            if isinstance(block, str):
                yield base, block
                continue
            (kind, items), = block.items()
            for i, item in enumerate(items):
                if isinstance(item, str):
                    yield base + (kind, i), item
                else:
                    for field in ("role", "text"):
                        if field in item:
                            yield base + (kind, i, field), item[field]


def _check_references(data: dict, problems: list[str], where) -> None:
    facts = data["facts"]
    for key in ("at_a_glance", "key_figures"):
        for i, fact_id in enumerate(data[key]):
            if fact_id not in facts:
                problems.append(where((key, i), f"unknown fact {fact_id!r} (known: {', '.join(facts)})"))
    fields = list(_prose_fields(data))
    for path, text in fields:
        for match in REFERENCE.finditer(text):
            node = parse(match.group(1))
            if node is None:
                problems.append(where(path, f"malformed fact reference {match.group(0)!r}: expected [[id]] or [[id.form]]"))
            elif node[0] not in facts:
                problems.append(where(path, f"unknown fact {node[0]!r} in {match.group(0)!r}"))
            elif node[1] and node[1] not in facts[node[0]].get("forms", {}):
                known = ", ".join(facts[node[0]].get("forms", {})) or "none"
                problems.append(where(path, f"fact {node[0]!r} has no form {node[1]!r} (forms: {known})"))
    if problems:
        return
    nodes = fact_texts(facts)
    order, loop = topological_order(nodes)
    if loop:
        first = loop[0]
        field = ("facts", first[0], "value") if first[1] is None else ("facts", first[0], "forms", first[1])
        problems.append(where(field, "fact references loop: " + " -> ".join(map(node_name, loop))))
        return
    _check_expansion(nodes, order, fields, problems, where)


def _check_expansion(nodes: dict, order: list, fields: list, problems: list[str], where) -> None:
    """References may nest, but no field may grow past MAX_EXPANDED characters ("reference bombs"),
    nor all fields together past MAX_EXPANDED_TOTAL (thousands of small fields naming one big fact)."""
    sizes: dict = {}
    for node in order:
        text = nodes[node]
        sizes[node] = len(REFERENCE.sub("", text)) + sum(sizes[ref] for ref in references(text))
    total = 0
    for path, text in fields:
        size = len(REFERENCE.sub("", text)) + sum(sizes[ref] for ref in references(text))
        if size > MAX_EXPANDED:
            problems.append(where(path, f"expands to {size:,} characters once fact references are replaced; "
                                        f"the limit is {MAX_EXPANDED:,}"))
            return
        total += size
    if total > MAX_EXPANDED_TOTAL:
        problems.append(where((), f"the text of all fields expands to {total:,} characters once fact references "
                                  f"are replaced; the limit is {MAX_EXPANDED_TOTAL:,}", Mark(1, 1)))


def _check_values(data: dict, problems: list[str], where) -> None:
    """What the schema cannot say: a real date, and Word's limit on document properties."""
    try:
        parse_as_of(data["as_of"])
    except ValueError as exc:
        problems.append(where(("as_of",), f"expected a real date, got {data['as_of']!r} ({exc})"))
    _check_timeline(data, problems, where)
    publisher = data["publisher"]
    properties = {
        ("name",): data["name"],
        ("publisher", "name"): publisher["name"],
        ("publisher", "tagline"): f"{publisher['name']} — {publisher.get('tagline', '')}",
        ("keywords",): ", ".join(data.get("keywords", [])),
    }
    for path, text in properties.items():
        if len(text) > WORD_PROPERTY_LIMIT:
            problems.append(where(path, f"too long for document metadata: {len(text)} characters "
                                        f"(with the publisher's name, or all keywords together); "
                                        f"Word's limit is {WORD_PROPERTY_LIMIT}"))


def _check_timeline(data: dict, problems: list[str], where) -> None:
    """Each milestone's date is a real date, or names a fact whose value is one."""
    from .i18n import format_as_of, parse_written_date

    facts = data["facts"]
    for i, milestone in enumerate(data.get("timeline", ())):
        written = milestone["date"]
        match = REFERENCE.fullmatch(written)
        if match is None:
            if parse_written_date(written, data["language"]) is None:
                problems.append(where(("timeline", i, "date"), f"expected a real date, got {written!r}"))
            continue
        fact_id = match.group(1)
        if fact_id not in facts:
            problems.append(where(("timeline", i, "date"), f"unknown fact {fact_id!r} in {written!r}"))
            continue
        value = facts[fact_id]["value"]
        if REFERENCE.search(value) or parse_written_date(value, data["language"]) is None:
            problems.append(where(("timeline", i, "date"),
                                  f"fact {fact_id!r} is not a date the timeline can place: its value "
                                  f"{_show(value)} is not YYYY-MM-DD, nor a date written in "
                                  f"{data['language']!r} such as {format_as_of('2022-11-17', data['language'])!r} "
                                  f"or {format_as_of('2021-05', data['language'])!r}"))


# Characters that draw nothing: the Hangul fillers are letters by category, blank by design.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
# Embeddings, overrides and isolates: they reorder the text around them without being seen.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _visible(char: str) -> bool:
    """Whether a character draws something by itself: letters, digits, punctuation, symbols.

    Format characters (U+200B, U+00AD, U+FEFF, U+2060, joiners), spaces, controls and
    combining marks (which need a letter to sit on) do not.
    """
    return unicodedata.category(char)[0] in "LNPS" and char not in _BLANK_LETTERS


def _text_fields(data: dict):
    """Yield (key path, text) for every field a reader is meant to read: plain text and prose."""
    yield ("name",), data["name"]
    for i, keyword in enumerate(data.get("keywords", ())):
        yield ("keywords", i), keyword
    for key in ("name", "tagline"):
        if key in data["publisher"]:
            yield ("publisher", key), data["publisher"][key]
    for fact_id, fact in data["facts"].items():
        yield ("facts", fact_id, "label"), fact["label"]
    for s, section in enumerate(data["sections"]):
        yield ("sections", s, "title"), section["title"]
        for b, block in enumerate(section["blocks"]):
            if isinstance(block, dict):
                (kind, items), = block.items()
                for i, item in enumerate(items):
                    if isinstance(item, dict):
                        yield ("sections", s, "blocks", b, kind, i, "name"), item["name"]
    for i, source in enumerate(data.get("sources", ())):
        yield ("sources", i, "title"), source["title"]
    for i, milestone in enumerate(data.get("timeline", ())):
        yield ("timeline", i, "label"), milestone["label"]
    yield from _prose_fields(data)


def _check_text(data: dict, problems: list[str], where) -> None:
    """What a reader cannot see: a field of invisible characters only, a fact reordered by bidi controls."""
    for path, text in _text_fields(data):
        if not any(map(_visible, text)):
            shown = list(dict.fromkeys(f"U+{ord(c):04X}" for c in text if not c.isspace()))
            listed = ", ".join(shown[:4]) + (", ..." if len(shown) > 4 else "")
            problems.append(where(path, f"expected visible text, got only invisible characters ({listed})"))
        elif (path[0] == "facts" and path[2] != "label") or path[0] == "timeline":
            # Fact values (forms end up in values) and milestones are verified in every output. Other format characters are dropped before
            # comparing; U+FE0F, a combining mark, is kept and comes back from every output as written.
            match = _BIDI_CONTROLS.search(text)
            if match:
                char = match.group()
                problems.append(where(path, (
                    f"contains U+{ord(char):04X} ({unicodedata.name(char).lower()}, at character "
                    f"{match.start() + 1}), a bidirectional control: it reorders the text around it invisibly, "
                    "so no output could be verified to show the value as written; remove it")))


def _check_links(data: dict, problems: list[str], where, references_resolve: bool) -> None:
    """Links in prose point only at http(s):, mailto: or #anchors, and prose holds no images, in every output.

    Prose is read as it will be rendered, fact references replaced: `[x]([[f]])` links to f's value.
    """
    ledger = resolve_ledger(data["facts"]) if references_resolve else None
    for path, text in _prose_fields(data):
        if path[0] == "facts":  # fact values and forms are plain text: their Markdown is escaped
            continue
        if ledger is not None:
            text = substitute(text, ledger, escape_specials)
        elif len(text) > MAX_EXPANDED:  # already refused; not worth reading for links
            continue
        for kind, address in forbidden_links(text):
            shown = address if len(address) <= MAX_SHOWN else address[:MAX_SHOWN - 3] + "..."
            if kind == "image":
                problems.append(where(path, f"images are not supported in prose (an image at {shown!r})"))
            elif address.startswith("<") and address.endswith(">") and allowed_address(address[1:-1]):
                problems.append(where(path, f"link to {shown!r} is not allowed: write the address without "
                                            "angle brackets"))
            else:
                problems.append(where(path, f"link to {shown!r} is not allowed: links may point to http(s):, "
                                            "mailto: or #anchors only"))


def _one_line_strings(value):
    """Every string of the content with its whitespace runs as single spaces.

    Content is one paragraph per field; a run with a line break in it means nothing to
    a reader, and WeasyPrint 70's line breaker can fail an assertion on one.
    """
    if isinstance(value, str):
        return one_line(value)
    if isinstance(value, dict):
        return {key: _one_line_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_one_line_strings(item) for item in value]
    return value


def _to_profile(data: dict, path: Path) -> Profile:
    data = _one_line_strings(data)
    facts = {fact_id: Fact(fact_id, f["label"], f["value"], dict(f.get("forms", {})))
             for fact_id, f in data["facts"].items()}
    sections = []
    for section in data["sections"]:
        blocks = []
        for block in section["blocks"]:
            if isinstance(block, str):
                blocks.append(Block("paragraph", text=block))
                continue
            (kind, items), = block.items()
            if kind == "list":
                blocks.append(Block("list", items=tuple(items)))
            else:
                blocks.append(Block(kind, entries=tuple(
                    Entry(e["name"], e.get("role"), e.get("text")) for e in items)))
        sections.append(Section(section["title"], tuple(blocks)))
    publisher = data["publisher"]
    return Profile(
        source=str(path),
        slug=data["slug"],
        name=data["name"],
        description=data["description"],
        lead=data["lead"],
        language=data["language"],
        as_of=data["as_of"],
        keywords=tuple(data.get("keywords", ())),
        publisher=Publisher(publisher["name"], publisher.get("tagline"), publisher.get("about"), publisher.get("url")),
        facts=facts,
        at_a_glance=tuple(data["at_a_glance"]),
        key_figures=tuple(data["key_figures"]),
        sections=tuple(sections),
        sources=tuple(Source(s["title"], s["url"]) for s in data.get("sources", ())),
        labels=data.get("labels", {}),
        timeline=tuple(Milestone(m["date"], m["label"]) for m in data.get("timeline", ())),
    )

"""Load and validate a content YAML file into a Profile; the only module that reads YAML."""

from __future__ import annotations

import json
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import ContentError
from .markup import allowed_address, escape_specials, forbidden_links, one_line
from .model import (
    MAX_CONTENT_BYTES,
    NOT_IN_DOCUMENTS,
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

MAX_BYTES = MAX_CONTENT_BYTES  # a profile is a few kB; anything this large is a mistake or an attack
MAX_ALIAS_REPORTS = 10  # an alias bomb would otherwise print one line per alias
MAX_EXPANDED = 20_000  # characters a field may reach once its fact references are replaced
MAX_EXPANDED_TOTAL = 1_000_000  # characters all fields together may reach: many fields naming one big fact
MAX_DEPTH = 64  # lists and mappings inside each other; a profile needs fewer than 10
MAX_SHOWN = 80  # characters of an address quoted in a message

# Only plain YAML types; a Python tag or any custom tag is refused, never constructed.
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_TYPE_NAMES = {
    str: "a string", int: "a number", float: "a number", bool: "a boolean",
    type(None): "null", list: "a list", dict: "a mapping",
}


@dataclass(frozen=True)
class Mark:
    line: int
    column: int


# libyaml's parser when PyYAML has it (≈ 10× faster); the same nodes and marks either way.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Composer(_BaseLoader):
    """A safe loader used only to compose nodes; construction is ours, so we keep line marks."""


def type_name(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def format_path(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


class _Builder:
    """Turns a composed YAML node tree into plain data, recording a mark per key path."""

    def __init__(self, loader: yaml.SafeLoader, problems: list[str], where, marks: dict, key_marks: dict):
        self.loader = loader
        self.problems = problems
        self.where = where
        self.marks = marks
        self.seen: set[int] = set()
        self.alias_paths: list[tuple] = []
        self.key_marks: dict[tuple, Mark] = key_marks

    def build(self, node, path: tuple = ()):
        if id(node) in self.seen:
            # The composer hands back the same node for every alias: refusing reuse
            # makes alias bombs ("billion laughs") impossible to expand.
            self.alias_paths.append(path)
            return None
        self.marks[path] = Mark(node.start_mark.line + 1, node.start_mark.column + 1)
        self.seen.add(id(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                return self._bad_tag(node, path)
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        if node.tag not in _SCALAR_TAGS:
            return self._bad_tag(node, path)
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates stay text: the schema checks their form
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: MappingNode, path: tuple):
        if node.tag != "tag:yaml.org,2002:map":
            return self._bad_tag(node, path)
        result: dict = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(self.where(path, "YAML merge keys (<<) are not supported"))
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                mark = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                kind = {MappingNode: "a mapping", SequenceNode: "a list"}.get(type(key_node), repr(key_node.value))
                self.problems.append(self.where(path, f"expected a text key, got {kind}", mark))
                continue
            key = key_node.value
            mark = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                self.problems.append(self.where(
                    path + (key,), f"duplicate key {key!r} (first defined at line {key_lines[key]})", mark))
                continue
            key_lines[key] = mark.line
            self.key_marks[path + (key,)] = mark
            result[key] = self.build(value_node, path + (key,))
        return result

    def _bad_tag(self, node, path: tuple):
        self.problems.append(self.where(path, f"YAML tag {node.tag!r} is not allowed; content is plain data"))
        return None


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
            MAX_BYTES, and a symbolic link may not lead out of its folder.
        data: the file's bytes, when the caller has read them already (a batch worker); the
            rule on symbolic links still holds for `path`.
        strict: treat warnings (unknown keys) as errors.
        warn: called with each warning line; warnings are dropped when None.

    Returns:
        The frozen Profile. Raises ContentError listing every problem of the file.
    """
    path = Path(path)
    shown = str(path)
    problems: list[str] = []
    marks: dict[tuple, Mark] = {}  # where each value starts
    key_marks: dict[tuple, Mark] = {}  # where each mapping key stands

    def where(key_path: tuple, message: str, mark: Mark | None = None) -> str:
        mark = mark or _nearest_mark(marks, key_path)
        position = f"{mark.line}:{mark.column}" if mark else "1:1"
        return f"{shown}:{position}: {format_path(key_path)}: {message}"

    data = _read_yaml(path, data, shown, problems, marks, key_marks, where)
    if not problems:
        _check_characters(data, (), problems, where)
    if problems:
        raise ContentError(problems)

    warnings: list[str] = []
    _check_schema(data, problems, warnings, where, key_marks)
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

    Read by the same rules as load_profile (regular file, size limit, plain YAML only); lines and
    columns count from 1. A file that cannot be read raises ContentError, as load_profile does.
    `nearest_mark` finds the mark of a path that has none (a key a file does not have yet).
    """
    shown = str(path)
    problems: list[str] = []
    marks: dict[tuple, Mark] = {}

    def where(key_path: tuple, message: str, mark: Mark | None = None) -> str:
        mark = mark or _nearest_mark(marks, key_path)
        position = f"{mark.line}:{mark.column}" if mark else "1:1"
        return f"{shown}:{position}: {format_path(key_path)}: {message}"

    _read_yaml(Path(path), data, shown, problems, marks, {}, where)
    if problems:
        raise ContentError(problems)
    return marks


def nearest_mark(marks: dict[tuple, Mark], key_path: tuple) -> Mark:
    """The mark of `key_path`, else of the nearest enclosing path that has one, else 1:1."""
    return _nearest_mark(marks, key_path) or Mark(1, 1)


def read_yaml_file(path: Path):
    """Any YAML file dossier reads besides content (a brand file), by the same rules: a regular file of
    bounded size, no link out of its folder, plain YAML only. Returns (data, where) where
    `where(key_path, message)` makes a 'file:line:col: key.path: message' line; ContentError if unreadable."""
    shown = str(path)
    problems: list[str] = []
    marks: dict[tuple, Mark] = {}
    key_marks: dict[tuple, Mark] = {}

    def where(key_path: tuple, message: str, mark: Mark | None = None) -> str:
        mark = mark or marks.get(key_path) or _nearest_mark(marks, key_path)
        position = f"{mark.line}:{mark.column}" if mark else "1:1"
        return f"{shown}:{position}: {format_path(key_path)}: {message}"

    data = _read_yaml(Path(path), None, shown, problems, marks, key_marks, where)
    if not problems:
        _check_characters(data, (), problems, where)
    if problems:
        raise ContentError(problems)
    return data, where


def _read_yaml(path: Path, raw: bytes | None, shown: str, problems: list[str], marks: dict, key_marks: dict,
               where):
    raw = _read_source(path, raw, shown, problems)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(f"{shown}:{line}:{column}: (file): not UTF-8 text (byte 0x{raw[exc.start]:02x})")
        return None
    loader = None
    try:
        too_deep, aliases = _scan_events(text)
        if too_deep:
            problems.append(f"{shown}:{too_deep.line}:{too_deep.column}: (file): lists and mappings nested more "
                            f"than {MAX_DEPTH} levels deep; a profile needs fewer than 10")
            return None
        loader = _Composer(text)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        message = exc.problem or exc.context
        if exc.context and exc.context_mark and exc.problem:
            # "while parsing a flow sequence" + where it began: often the real culprit.
            context = exc.context.removeprefix("while ")
            message += (f" ({context} that starts at line {exc.context_mark.line + 1}, "
                        f"column {exc.context_mark.column + 1})")
        problems.append(f"{shown}:{position}: (file): YAML syntax error: {message}")
        return None
    except yaml.YAMLError as exc:
        problems.append(f"{shown}:1:1: (file): YAML error: {exc}")
        return None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        problems.append(f"{shown}:1:1: (file): the file is empty; expected a profile mapping")
        return None
    builder = _Builder(loader, problems, where, marks, key_marks)
    data = builder.build(node)
    if builder.alias_paths:
        _report_aliases(aliases, builder.alias_paths, problems, where)
    return data


_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def _read_source(path: Path, raw: bytes | None, shown: str, problems: list[str]) -> bytes | None:
    """The content file's bytes (`raw` when the caller read them), or None with the problem recorded.

    Nothing is read that is not a regular file of at most MAX_BYTES inside its own folder: a
    link out of the folder could show another file's text in messages, a pipe or a device
    could block or never end, and a huge file is refused from its size on disk.
    """
    if path.is_symlink() and _points_outside_its_folder(path):
        problems.append(f"{shown}:1:1: (file): is a symbolic link to a file outside "
                        f"{os.path.join(str(path.parent), '')}; copy the file in instead")
        return None
    if raw is None:
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                problems.append(f"{shown}:1:1: (file): is {_file_kind(info.st_mode)}, not a regular file; "
                                "expected a YAML file")
                return None
            if info.st_size > MAX_BYTES:
                problems.append(f"{shown}:1:1: (file): file is {info.st_size:,} bytes; the limit is {MAX_BYTES:,}")
                return None
            # Non-blocking: had the file been swapped for a pipe since stat(), opening it would wait forever.
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
            with open(descriptor, "rb") as file:
                mode = os.fstat(file.fileno()).st_mode
                if not stat.S_ISREG(mode):
                    problems.append(f"{shown}:1:1: (file): is {_file_kind(mode)}, not a regular file; "
                                    "expected a YAML file")
                    return None
                raw = file.read(MAX_BYTES + 1)  # a file growing as we read stops here
        except OSError as exc:
            problems.append(f"{shown}:1:1: (file): cannot read: {exc.strerror or exc}")
            return None
        if len(raw) > MAX_BYTES:
            problems.append(f"{shown}:1:1: (file): file is more than {MAX_BYTES:,} bytes; the limit is {MAX_BYTES:,}")
            return None
    if len(raw) > MAX_BYTES:
        problems.append(f"{shown}:1:1: (file): file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
        return None
    return raw


def _points_outside_its_folder(link: Path) -> bool:
    folder = os.path.realpath(link.parent)
    target = os.path.realpath(link)  # the whole chain of links followed, even to nothing
    return os.path.commonpath([folder, target]) != folder


def _file_kind(mode: int) -> str:
    return next((name for test, name in _FILE_KINDS if test(mode)), "not a file")


def _scan_events(text: str) -> tuple[Mark | None, list]:
    """(where nesting first passes MAX_DEPTH or None, the alias events), from the parser's events.

    Runs before composing: the composer, our builder and the schema check all recurse, so a
    deeply nested file must be refused before them. The events come one at a time and the
    scan stops at the limit, so a file of 100,000 '[' costs no more than one of 65.
    """
    try:
        return _depth_and_aliases(text, _BaseLoader)
    except yaml.MarkedYAMLError as exc:
        # libyaml refuses 1,000 levels itself, having looked ahead past ours on a line of "[[[[…":
        # the text before its complaint still passes our limit, and says where.
        if "nesting depth" not in str(exc.problem) or exc.problem_mark is None:
            raise
        try:
            too_deep, aliases = _depth_and_aliases(text[:exc.problem_mark.index], _BaseLoader)
        except yaml.YAMLError:
            too_deep = None
        if too_deep is None:
            raise exc from None
        return too_deep, aliases


def _depth_and_aliases(text: str, loader) -> tuple[Mark | None, list]:
    depth, aliases = 0, []
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return Mark(event.start_mark.line + 1, event.start_mark.column + 1), aliases
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases.append(event)
    return None, aliases


def _report_aliases(events: list, paths: list[tuple], problems: list[str], where) -> None:
    # Composed nodes keep the anchor's mark, not the alias's: the parse events have it.
    # Both the builder's visits and the events follow document order, so they pair up.
    for path, event in list(zip(paths, events))[:MAX_ALIAS_REPORTS]:
        mark = Mark(event.start_mark.line + 1, event.start_mark.column + 1)
        problems.append(where(path, f"YAML alias *{event.anchor} is not supported; write the value out", mark))
    if len(paths) > MAX_ALIAS_REPORTS:
        problems.append(where((), f"... and {len(paths) - MAX_ALIAS_REPORTS} more YAML aliases", Mark(1, 1)))


def _check_characters(value, path: tuple, problems: list[str], where) -> None:
    """Refuse control characters and lone surrogates, naming the field and the character."""
    if isinstance(value, str):
        match = NOT_IN_DOCUMENTS.search(value)
        if match:
            code = ord(match.group())
            kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
            problems.append(where(path, f"contains U+{code:04X} ({kind}, at character {match.start() + 1}), "
                                        "which documents cannot hold; remove it"))
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_characters(key, path, problems, where)
            _check_characters(item, path + (key,), problems, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_characters(item, path + (index,), problems, where)


def _nearest_mark(marks: dict, key_path: tuple) -> Mark | None:
    path = tuple(key_path)
    while path not in marks and path:
        path = path[:-1]
    return marks.get(path)


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
        yield path, f"expected {'at least' if kind == 'minItems' else 'at most'} {error.validator_value} items, got {len(value)}", False, False
    elif kind == "minProperties":
        yield path, f"expected at least {error.validator_value} entry, got none", False, False
    elif kind == "uniqueItems":
        yield path, "expected unique items, got a repeated item", False, False
    elif kind == "maxLength":
        yield path, f"expected at most {error.validator_value} characters, got {len(value)}", False, False
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
    from .i18n import parse_written_date

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
                                  f"{data['language']!r} such as 'November 17, 2022' or 'May 2021'"))


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

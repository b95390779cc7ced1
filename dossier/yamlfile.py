"""YAML as dossier reads it, in one place: content, message catalogues, brand files and front matter.

Plain data only: no tags, no aliases (an alias bomb cannot expand), no merge keys, text keys, no
duplicate keys, nesting at most MAX_DEPTH deep (checked on the parser's events, before anything
recurses), no character a document cannot hold; and every value's line and column kept, so a
message says `file:line:col: key.path: what`. Files come through the one door (files.py).
libyaml's parser is used when PyYAML has it (≈ 10× faster); the nodes and marks are the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import files
from .errors import ContentError
from .model import NOT_IN_DOCUMENTS

MAX_DEPTH = 64  # lists and mappings inside each other; a profile needs fewer than 10
MAX_ALIAS_REPORTS = 10  # an alias bomb would otherwise print one line per alias

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


@lru_cache(maxsize=1)
def _loaders():
    """(yaml, the parser's loader class, the composer class), imported on first use: a build with
    nothing to do reads no YAML."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Composer(base):
        """A safe loader used only to compose nodes; construction is ours, so we keep line marks."""

    return yaml, base, Composer


# Tests put PyYAML's own parser here to check the limits hold without libyaml; None: _loaders()'s.
_BaseLoader = None
_Composer = None


def _yaml():
    yaml, base, composer = _loaders()
    return yaml, _BaseLoader or base, _Composer or composer


def type_name(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def format_path(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def nearest_mark(marks: dict[tuple, Mark], key_path: tuple) -> Mark:
    """The mark of `key_path`, else of the nearest enclosing path that has one, else 1:1."""
    return _nearest(marks, key_path) or Mark(1, 1)


def _nearest(marks: dict, key_path: tuple) -> Mark | None:
    path = tuple(key_path)
    while path not in marks and path:
        path = path[:-1]
    return marks.get(path)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a YAML text: where, the key path (None: the file as a whole) and what.

    `reason` is a syntax error's own words, without where its context began ('found unexpected end
    of stream'), for readers that say it in a line of their own."""

    line: int
    column: int
    path: tuple | None
    message: str
    reason: str | None = None

    def text(self, shown: str) -> str:
        where = "(file)" if self.path is None else format_path(self.path)
        return f"{shown}:{self.line}:{self.column}: {where}: {self.message}"


@dataclass
class YamlText:
    """A YAML text read: its data (None if it could not be read), the problems found, where each value
    starts (`marks`) and where each mapping key stands (`key_marks`), by key path."""

    shown: str
    data: object = None
    problems: list[Problem] = field(default_factory=list)
    marks: dict[tuple, Mark] = field(default_factory=dict)
    key_marks: dict[tuple, Mark] = field(default_factory=dict)

    def where(self, key_path: tuple, message: str, mark: Mark | None = None) -> str:
        """'file:line:col: key.path: message', at `mark`, else where the key path's value (or the
        nearest enclosing one) starts."""
        mark = mark or _nearest(self.marks, key_path)
        position = f"{mark.line}:{mark.column}" if mark else "1:1"
        return f"{self.shown}:{position}: {format_path(key_path)}: {message}"

    def lines(self) -> list[str]:
        return [problem.text(self.shown) for problem in self.problems]

    def refuse(self, path: tuple | None, message: str, mark: Mark | None = None) -> None:
        mark = mark or Mark(1, 1)
        self.problems.append(Problem(mark.line, mark.column, path, message))


def read(path: str | Path, *, limit: int, data: bytes | None = None, expected: str | None = "a profile mapping",
         inside: Path | None = None) -> YamlText:
    """A YAML file through the door: a regular file of at most `limit` bytes inside `inside` (default: its
    own folder, so a link out of it is refused), parsed as plain data. `data`: its bytes, when the caller
    has read them already (a batch worker); the rule on its folder still holds for `path`.
    `expected` names what an empty file should have held (None: an empty file is fine, its data None).
    Raises ContentError listing every problem."""
    path = Path(path)
    found = YamlText(str(path))
    folder = path.parent if inside is None else inside
    try:
        if data is None:
            data = files.read(path, limit=limit, inside=folder)
        elif not files.lies_inside(path, folder):
            raise files.Refused(path, files.OUTSIDE, folder=folder)
    except files.Refused as refused:
        found.refuse(None, refused.describe("a YAML file"))
        raise ContentError(found.lines()) from None
    if len(data) > limit:
        found.refuse(None, f"file is {len(data):,} bytes; the limit is {limit:,}")
        raise ContentError(found.lines())
    parse(data, found, expected)
    if found.problems:
        raise ContentError(found.lines())
    return found


def parse(raw: bytes | str, found: YamlText, expected: str | None) -> YamlText:
    """Parse `raw` into `found` (its data, marks and problems)."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            found.refuse(None, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", Mark(line, column))
            return found
    else:
        text = raw
    yaml, _base, composer = _yaml()
    loader = None
    try:
        too_deep, aliases = _scan_events(text)
        if too_deep:
            found.refuse(None, f"lists and mappings nested more than {MAX_DEPTH} levels deep; a profile needs "
                               "fewer than 10", too_deep)
            return found
        loader = composer(text)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context
        reason = message
        if exc.context and exc.context_mark and exc.problem:
            # "while parsing a flow sequence" + where it began: often the real culprit.
            context = exc.context.removeprefix("while ")
            message += (f" ({context} that starts at line {exc.context_mark.line + 1}, "
                        f"column {exc.context_mark.column + 1})")
        found.problems.append(Problem(mark.line + 1 if mark else 1, mark.column + 1 if mark else 1, None,
                                      f"YAML syntax error: {message}", reason))
        return found
    except yaml.YAMLError as exc:
        found.refuse(None, f"YAML error: {exc}")
        return found
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        if expected is not None:
            found.refuse(None, f"the file is empty; expected {expected}")
        return found
    builder = _Builder(loader, found)
    found.data = builder.build(node)
    if builder.alias_paths:
        _report_aliases(aliases, builder.alias_paths, found)
    if not found.problems:
        _check_characters(found.data, (), found)
    return found


class _Builder:
    """Turns a composed YAML node tree into plain data, recording a mark per key path."""

    def __init__(self, loader, found: YamlText):
        self.loader = loader
        self.found = found
        self.seen: set[int] = set()
        self.alias_paths: list[tuple] = []

    def problem(self, path: tuple, message: str, mark: Mark | None = None) -> None:
        mark = mark or _nearest(self.found.marks, path) or Mark(1, 1)
        self.found.problems.append(Problem(mark.line, mark.column, path, message))

    def build(self, node, path: tuple = ()):
        from yaml.nodes import MappingNode, SequenceNode

        if id(node) in self.seen:
            # The composer hands back the same node for every alias: refusing reuse
            # makes alias bombs ("billion laughs") impossible to expand.
            self.alias_paths.append(path)
            return None
        self.found.marks[path] = Mark(node.start_mark.line + 1, node.start_mark.column + 1)
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

    def _mapping(self, node, path: tuple):
        from yaml.nodes import MappingNode, ScalarNode, SequenceNode

        if node.tag != "tag:yaml.org,2002:map":
            return self._bad_tag(node, path)
        result: dict = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(path, "YAML merge keys (<<) are not supported")
                continue
            mark = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                kind = {MappingNode: "a mapping", SequenceNode: "a list"}.get(type(key_node), repr(key_node.value))
                self.problem(path, f"expected a text key, got {kind}", mark)
                continue
            key = key_node.value
            if key in result:
                self.problem(path + (key,), f"duplicate key {key!r} (first defined at line {key_lines[key]})", mark)
                continue
            key_lines[key] = mark.line
            self.found.key_marks[path + (key,)] = mark
            result[key] = self.build(value_node, path + (key,))
        return result

    def _bad_tag(self, node, path: tuple):
        self.problem(path, f"YAML tag {node.tag!r} is not allowed; content is plain data")
        return None


def _scan_events(text: str) -> tuple[Mark | None, list]:
    """(where nesting first passes MAX_DEPTH or None, the alias events), from the parser's events.

    Runs before composing: the composer, our builder and the schema check all recurse, so a
    deeply nested file must be refused before them. The events come one at a time and the
    scan stops at the limit, so a file of 100,000 '[' costs no more than one of 65.
    """
    yaml = _yaml()[0]
    try:
        return _depth_and_aliases(text)
    except yaml.MarkedYAMLError as exc:
        # libyaml refuses 1,000 levels itself, having looked ahead past ours on a line of "[[[[…":
        # the text before its complaint still passes our limit, and says where.
        if "nesting depth" not in str(exc.problem) or exc.problem_mark is None:
            raise
        try:
            too_deep, aliases = _depth_and_aliases(text[:exc.problem_mark.index])
        except yaml.YAMLError:
            too_deep = None
        if too_deep is None:
            raise exc from None
        return too_deep, aliases


def _depth_and_aliases(text: str) -> tuple[Mark | None, list]:
    yaml, base, _composer = _yaml()
    depth, aliases = 0, []
    for event in yaml.parse(text, Loader=base):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return Mark(event.start_mark.line + 1, event.start_mark.column + 1), aliases
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases.append(event)
    return None, aliases


def _report_aliases(events: list, paths: list[tuple], found: YamlText) -> None:
    # Composed nodes keep the anchor's mark, not the alias's: the parse events have it.
    # Both the builder's visits and the events follow document order, so they pair up.
    for path, event in list(zip(paths, events))[:MAX_ALIAS_REPORTS]:
        mark = Mark(event.start_mark.line + 1, event.start_mark.column + 1)
        found.problems.append(Problem(mark.line, mark.column, path,
                                      f"YAML alias *{event.anchor} is not supported; write the value out"))
    if len(paths) > MAX_ALIAS_REPORTS:
        found.problems.append(Problem(1, 1, (), f"... and {len(paths) - MAX_ALIAS_REPORTS} more YAML aliases"))


def _check_characters(value, path: tuple, found: YamlText) -> None:
    """Refuse control characters and lone surrogates, naming the field and the character."""
    if isinstance(value, str):
        match = NOT_IN_DOCUMENTS.search(value)
        if match:
            code = ord(match.group())
            kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
            mark = _nearest(found.marks, path) or Mark(1, 1)
            found.problems.append(Problem(mark.line, mark.column, path, (
                f"contains U+{code:04X} ({kind}, at character {match.start() + 1}), which documents cannot "
                "hold; remove it")))
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_characters(key, path, found)
            _check_characters(item, path + (key,), found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_characters(item, path + (index,), found)


def peek_scalar(content: bytes, key: str) -> tuple[str, int, int] | None:
    """The value of the top-level `key` and its line and column, read by the YAML parser, not a pattern.

    Parsing stops at the key (a slug is usually in the first lines), so planning stays cheap; a file
    whose value cannot be found this way (not a scalar, an alias, a syntax error) gives None.
    """
    yaml, base, _composer = _yaml()
    depth, expecting_key, found_key = 0, False, False
    try:
        for event in yaml.parse(content, Loader=base):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if found_key:
                    return None  # key: [..] or key: {..}
                depth += 1
                expecting_key = depth == 1 and isinstance(event, yaml.MappingStartEvent)
                if depth == 1 and not expecting_key:
                    return None
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
                if depth == 1:
                    expecting_key = True  # the value of a top-level key ended
                continue
            if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)) and depth == 1:
                if found_key:
                    if isinstance(event, yaml.AliasEvent):
                        return None
                    return event.value, event.start_mark.line + 1, event.start_mark.column + 1
                if expecting_key:
                    found_key = isinstance(event, yaml.ScalarEvent) and event.value == key
                expecting_key = not expecting_key
    except yaml.YAMLError:
        return None
    return None

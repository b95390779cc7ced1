"""The [[fact]] reference syntax: parsed, ordered and resolved in this one place."""

from __future__ import annotations

import re
from typing import Callable, Mapping

REFERENCE = re.compile(r"\[\[([^\[\]]*)\]\]")
REFERENCE_BODY = re.compile(r"^([a-z][a-z0-9_]*)(?:\.([a-z][a-z0-9_]*))?$")

Node = tuple[str, "str | None"]  # (fact id, form or None for the value)


def parse(body: str) -> Node | None:
    """'params.adj' → ('params', 'adj'); 'params' → ('params', None); malformed → None."""
    match = REFERENCE_BODY.match(body.strip())
    return (match.group(1), match.group(2)) if match else None


def references(text: str) -> list[Node]:
    """The well-formed fact references in `text`: (fact id, form or None), in order."""
    return [node for node in (parse(match.group(1)) for match in REFERENCE.finditer(text)) if node]


def fact_texts(facts: Mapping) -> dict[Node, str]:
    """Every text of the ledger by node: (id, None) for a value, (id, form) for a form.

    `facts` holds model.Fact objects or the raw mappings load_profile checks.
    """
    nodes = {}
    for fact_id, fact in facts.items():
        value, forms = (fact["value"], fact.get("forms", {})) if isinstance(fact, dict) else (fact.value, fact.forms)
        nodes[(fact_id, None)] = value
        for form, text in forms.items():
            nodes[(fact_id, form)] = text
    return nodes


def topological_order(nodes: Mapping[Node, str]) -> tuple[list[Node], list[Node] | None]:
    """The nodes, each after those it references; or, if references loop, (partial order, the loop).

    Iterative, so a chain of thousands of references cannot exhaust Python's stack.
    """
    order, state = [], {}  # state: 1 while its references are being visited, 2 when done
    for start in nodes:
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(references(nodes[start])))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in nodes or state.get(child) == 2:
                    continue
                if state.get(child) == 1:
                    path = [n for n, _ in stack]
                    return order, path[path.index(child):] + [child]
                state[child] = 1
                stack.append((child, iter(references(nodes[child]))))
                break
            else:
                state[node] = 2
                order.append(node)
                stack.pop()
    return order, None


def node_name(node: Node) -> str:
    return node[0] if node[1] is None else f"{node[0]}.{node[1]}"


def resolve_ledger(facts: Mapping) -> dict[Node, str]:
    """Every fact value and form with its references replaced: {(id, form or None): text}.

    Computed once, in dependency order, so nesting costs nothing extra; load_profile has
    already refused loops and expansions past its limit.
    """
    nodes = fact_texts(facts)
    order, loop = topological_order(nodes)
    if loop:
        raise ValueError("fact references loop: " + " -> ".join(map(node_name, loop)))
    done: dict[Node, str] = {}
    for node in order:
        done[node] = substitute(nodes[node], done)
    return done


def substitute(text: str, ledger: Mapping[Node, str], escape: Callable[[str], str] = str) -> str:
    """Replace [[id]] and [[id.form]] in `text` by the ledger's text, passed through `escape`.

    Fact values are plain text: inserted into Markdown prose, they are escaped as Markdown.
    """
    return REFERENCE.sub(lambda match: escape(ledger[parse(match.group(1))]), text)

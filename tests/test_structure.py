"""The package's shape: no module takes another's private names, and the imports run one way (no circle)."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "dossier"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, list[tuple[str, list[str], int]]]:
    """module → [(module it imports from, names taken, line)], every import, in functions too."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        taken = []
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                if source.startswith("dossier"):
                    names = [alias.name for alias in node.names]
                    # `from . import files` takes a module, not a name of the package
                    for name in names:
                        if (PACKAGE.parent / (source + "." + name).replace(".", "/")).with_suffix(".py").exists() \
                                or (PACKAGE.parent / (source + "." + name).replace(".", "/") / "__init__.py").exists():
                            taken.append((source + "." + name, [], node.lineno))
                            names = [n for n in names if n != name]
                    if names:
                        taken.append((source, names, node.lineno))
            elif isinstance(node, ast.Import):
                taken += [(alias.name, [], node.lineno) for alias in node.names if alias.name.startswith("dossier")]
        found[module] = taken
    return found


def test_no_module_takes_a_private_name_from_another():
    found = []
    for module, imports in _imports().items():
        for source, names, line in imports:
            private = [name for name in names if name.startswith("_") and not name.startswith("__")]
            if private and source != module:
                found.append(f"{module}:{line} takes {', '.join(private)} from {source}")
    assert found == []


def test_the_imports_run_one_way():
    graph = {module: {source for source, _names, _line in imports if source != module}
             for module, imports in _imports().items()}
    circles, state = [], {}

    def visit(module, path):
        state[module] = 1
        for source in sorted(graph.get(module, ())):
            if state.get(source) == 1:
                circles.append(" -> ".join(path[path.index(source):] + [source]))
            elif source not in state:
                visit(source, path + [source])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == []

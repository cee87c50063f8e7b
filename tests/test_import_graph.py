"""The import rule of DESIGN.md: no module imports a package of a lower layer, and no cycles.

Every module under ``src/embedlab`` is parsed (not imported) and every ``import`` statement
is read, those inside functions and ``TYPE_CHECKING`` blocks included: a lazy import still
ties the importer to the imported package. ``LAYERS`` is DESIGN.md's architecture table, top
first; a layer may import the layers above it and its own, never one below it. The checker
itself is tested on synthetic graphs, so a planted cycle or an upward import is seen to fail.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
DESIGN = Path(__file__).resolve().parents[2] / "shared" / "DESIGN.md"

#: DESIGN.md's table, top first; infrastructure (errors, files, paths) sits above everything.
LAYERS: list[tuple[str, ...]] = [
    # params (get_params/set_params for trainable classes) is proposed for DESIGN's list
    ("embedlab.errors", "embedlab.files", "embedlab.paths", "embedlab.params"),
    ("embedlab.similarity",),
    ("embedlab.text",),
    ("embedlab.tokenizers",),
    ("embedlab.models",),
    ("embedlab.static",),
    ("embedlab.encoders",),
    ("embedlab.llm",),
    ("embedlab.store",),
    ("embedlab.eval",),
    ("embedlab.train",),
    ("embedlab.merge", "embedlab.quantize"),
    ("embedlab.classify", "embedlab.rag"),
    ("embedlab.viz",),
    ("embedlab.engines", "embedlab.integrations"),
    ("embedlab.cli", "embedlab.serve"),
]

#: Names kept at an old path for one release after they moved to a lower layer (README's
#: "Deprecated import paths"); each is one lazy import, listed here edge by edge.
DEPRECATED_ALIASES: set[tuple[str, str]] = {
    ("embedlab.static", "embedlab.encoders.static"),  # embedlab.static.StaticEncoder
    ("embedlab.static.encoder", "embedlab.encoders.static"),
    ("embedlab.eval.report", "embedlab.viz.report"),  # embedlab.eval.report.write_report
}

ROOT = "embedlab"  # the package facade: imports lazily from below; others take only names


def module_names(src: Path = SRC) -> dict[str, Path]:
    names: dict[str, Path] = {}
    for path in sorted((src / ROOT).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _owner(name: str, modules: Mapping[str, Path]) -> str | None:
    """The module that ``name`` (a module or a name inside one) resolves to."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, source: str, modules: Mapping[str, Path]) -> set[str]:
    """The embedlab modules that ``source`` (the text of ``module``) imports, anywhere in it."""
    is_package = modules.get(module, Path()).name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: set[str | None] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(_owner(a.name, modules) for a in node.names if a.name.split(".")[0] == ROOT)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != ROOT:
                continue
            for alias in node.names:  # `from pkg import submodule` imports the submodule
                full = f"{target}.{alias.name}"
                found.add(full if full in modules else _owner(target, modules))
    found.discard(None)
    found.discard(module)
    return {m for m in found if m is not None}


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    modules = module_names(src)
    return {m: imports_of(m, p.read_text(encoding="utf-8"), modules) for m, p in modules.items()}


def layer_of(module: str, layers: list[tuple[str, ...]] = LAYERS) -> int | None:
    for i, packages in enumerate(layers):
        if any(module == p or module.startswith(p + ".") for p in packages):
            return i
    return None


def upward_imports(graph: Mapping[str, Iterable[str]], layers: list[tuple[str, ...]] = LAYERS,
                   allowed: set[tuple[str, str]] | None = None) -> list[str]:
    """Each import of a lower layer (or of an unlisted package), as 'a -> b (why)'."""
    allowed = allowed or set()
    problems = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if (module, target) in allowed or module in (ROOT, f"{ROOT}.__main__"):
                continue
            if target == ROOT:
                continue  # checked by test_the_package_facade_gives_only_its_version
            mine, theirs = layer_of(module, layers), layer_of(target, layers)
            if mine is None or theirs is None:
                problems.append(f"{module} -> {target} (package not in DESIGN's layer table)")
            elif theirs > mine:
                problems.append(f"{module} -> {target} (layer {layers[theirs][0]} is below "
                                f"{layers[mine][0]})")
    return problems


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


# ------------------------------------------------------------------ the checker on known graphs


def test_a_planted_cycle_is_found() -> None:
    graph = {"embedlab.text.a": {"embedlab.text.b"}, "embedlab.text.b": {"embedlab.text.c"},
             "embedlab.text.c": {"embedlab.text.a"}, "embedlab.text.d": {"embedlab.text.a"}}
    assert cycles(graph) == [["embedlab.text.a", "embedlab.text.b", "embedlab.text.c"]]
    assert cycles({"x": {"y"}, "y": set()}) == []
    assert cycles({"x": {"y"}, "y": {"x"}, "z": {"z"}}) == [["x", "y"]]


def test_a_planted_upward_import_is_found() -> None:
    graph = {"embedlab.static.encoder": {"embedlab.encoders.base", "embedlab.models.store"},
             "embedlab.encoders.base": {"embedlab.static.vectors"},
             "embedlab.cli.main": {"embedlab.nowhere"}}
    assert upward_imports(graph) == [
        "embedlab.cli.main -> embedlab.nowhere (package not in DESIGN's layer table)",
        "embedlab.static.encoder -> embedlab.encoders.base (layer embedlab.encoders is below "
        "embedlab.static)"]
    allowed = {("embedlab.static.encoder", "embedlab.encoders.base")}
    assert upward_imports(graph, allowed=allowed) == [
        "embedlab.cli.main -> embedlab.nowhere (package not in DESIGN's layer table)"]


def test_imports_are_read_everywhere_and_resolved() -> None:
    modules = {m: Path(m.replace(".", "/") + ".py") for m in
               ["embedlab.text.a", "embedlab.text.b", "embedlab.models.c", "embedlab.viz.plots"]}
    modules["embedlab.text"] = Path("embedlab/text/__init__.py")
    source = ("from typing import TYPE_CHECKING\n"
              "from . import b\n"
              "if TYPE_CHECKING:\n    from embedlab.models.c import Thing\n"
              "def f():\n    import embedlab.viz.plots\n    from ..text.b import g\n")
    assert imports_of("embedlab.text.a", source, modules) == {
        "embedlab.text.b", "embedlab.models.c", "embedlab.viz.plots"}


# -------------------------------------------------------------------------- the real tree


def test_no_import_cycles() -> None:
    found = cycles(import_graph())  # deprecated aliases included: no exemption from cycles
    assert not found, "import cycles (move the shared thing to the layer that owns it): " + \
        "; ".join(" <-> ".join(c) for c in found)


def test_no_import_of_a_lower_layer() -> None:
    problems = upward_imports(import_graph(), allowed=DEPRECATED_ALIASES)
    assert not problems, "imports against DESIGN.md's layer table:\n" + "\n".join(problems)


def test_deprecated_aliases_are_still_used() -> None:
    graph = import_graph()
    stale = [edge for edge in DEPRECATED_ALIASES if edge[1] not in graph.get(edge[0], set())]
    assert not stale, f"allow-listed aliases that no longer exist: {stale}"


def test_the_package_facade_gives_only_its_version() -> None:
    """``embedlab/__init__`` imports lazily from the layers; a module inside embedlab that
    imported a name from it would depend on all of them."""
    modules = module_names()
    takers = []
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == ROOT and not node.level:
                takers += [f"{module}: {a.name}" for a in node.names
                           if a.name != "__version__" and f"{ROOT}.{a.name}" not in modules]
    assert not takers, takers


def test_every_package_is_in_the_table() -> None:
    packages = {m.split(".")[1] for m in module_names() if m.count(".") >= 1}
    listed = {p.split(".")[1] for layer in LAYERS for p in layer}
    assert packages - {"__main__"} <= listed, sorted(packages - listed)


def test_the_table_is_design_md_s() -> None:
    """LAYERS is DESIGN.md's table, in its order (read when the shared folder is present)."""
    from conftest import _missing

    if not DESIGN.is_file():
        _missing(f"{DESIGN} not found (the shared folder beside the project)")
    text = DESIGN.read_text(encoding="utf-8")
    table = text[text.index("| layer | package |"):]
    rows = [line for line in table.splitlines() if line.startswith("|")][2:]
    design = [tuple(re.findall(r"`(embedlab\.[a-z_]+)`", row.split("|")[2])) for row in rows]
    assert [layer for layer in LAYERS[1:]] == [d for d in design if d], \
        "tests/test_import_graph.py's LAYERS differs from DESIGN.md's table"
    infra = re.search(r"Infrastructure modules \(([^)]*)\)", text)
    assert infra is not None, "DESIGN.md no longer names its infrastructure modules"
    named = {f"embedlab.{m}" for m in re.findall(r"`([a-z_]+)`", infra.group(1))}
    assert named <= set(LAYERS[0]), (named, LAYERS[0])


if __name__ == "__main__":  # pragma: no cover - a quick listing while refactoring
    print("\n".join(upward_imports(import_graph())))
    print(cycles(import_graph()))
    pytest.main([__file__])

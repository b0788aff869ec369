"""The package's layers: a lower layer never imports a higher one, and there are no cycles.

    golden  <-  arch  <-  gateware  <-  emit  <-  flows  <-  cli
                  ^--  host, model  (arch and golden only; no Amaranth)
                  ^--  optimize  (golden, arch, host and model; no Amaranth)

``tb`` (cocotb benches, installed as ``fdagen.tb``) runs beside ``flows`` and may use anything
below it. The check reads the source (imports inside functions included), so a lazy import
cannot hide an upward dependency.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Source folder of each installed package root (pyproject.toml's package-dir).
SOURCES = {"fdagen": ROOT / "fdagen", "fdagen.golden": ROOT / "golden",
           "fdagen.tb": ROOT / "tb", "fdagen.constraints": ROOT / "constraints"}

#: Which layers each layer may import (itself included).
ALLOWED = {
    "golden": {"golden"},
    "constraints": {"constraints"},
    "arch": {"golden", "arch"},
    "host": {"golden", "arch", "host"},
    "model": {"golden", "arch", "model"},
    "optimize": {"golden", "arch", "host", "model", "optimize"},
    "gateware": {"golden", "arch", "gateware"},
    "emit": {"golden", "arch", "gateware", "emit", "constraints"},
    "flows": {"golden", "arch", "host", "model", "gateware", "emit", "flows", "constraints", "tb"},
    "tb": {"golden", "arch", "host", "gateware", "emit", "tb"},
    "cli": {"golden", "arch", "host", "model", "optimize", "gateware", "emit", "flows", "cli",
            "constraints"},
    "root": {"root", "cli"},
}
#: Layers that must not import Amaranth (the cost model, the host side, the golden model).
NO_AMARANTH = {"golden", "arch", "host", "model", "optimize"}


def modules():
    """``{dotted name: path}`` of every installed module."""
    found = {}
    for package, folder in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def layer(name):
    parts = name.split(".")
    if len(parts) == 1 or parts[1] in ("__main__",):
        return "root"
    return parts[1]


def imports(name, path):
    """``(imported module, line)`` of every import in ``path``, relative ones resolved."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append((target, node.lineno))
            # "from fdagen.x import y" may name a submodule y
            found += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
    return found


MODULES = modules()


def internal_imports(name):
    result = []
    for target, line in imports(name, MODULES[name]):
        if target in MODULES and target != name:
            result.append((target, line))
    return result


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_import_from_a_higher_layer(name):
    own = layer(name)
    bad = [f"{target} (line {line}, layer {layer(target)})"
           for target, line in internal_imports(name)
           if layer(target) not in ALLOWED[own] and target != "fdagen"]
    assert not bad, f"{name} (layer {own}) imports from a higher layer: {', '.join(bad)}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n) in NO_AMARANTH))
def test_models_and_host_do_not_import_amaranth(name):
    bad = [f"{target} (line {line})" for target, line in imports(name, MODULES[name])
           if target and target.split(".")[0] == "amaranth"]
    assert not bad, f"{name} must not import Amaranth: {', '.join(bad)}"


def test_no_import_cycles():
    graph = {name: {t for t, _ in internal_imports(name) if t != "fdagen"} for name in MODULES}
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycle = stack[stack.index(target):] + [target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_every_package_is_installed():
    """pyproject.toml lists every package folder (a non-editable install would miss one)."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    folders = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    assert folders == listed

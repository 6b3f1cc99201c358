"""The package's layers: every import goes down, never up or sideways into a sibling layer.

Read from the source with `ast`, so an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "archiver"

# Lowest first. A module may import from any lower layer, and from its own package; packages
# that share a layer are independent of each other.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "_version"),
    ("base",),
    ("formats",),
    ("warc", "detect"),
    ("seeds",),
    ("manifest",),
    ("packing", "verification", "extraction"),
    ("share",),
    ("cli",),
    ("__init__", "__main__"),
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
TOP_LEVEL_MODULES = 5


def unit(module: str) -> str:
    """`archiver.manifest.chain` → `manifest`; `archiver` itself → `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def imported(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    """Every archiver module `path` (the module `module`) imports, with the line it does so on."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = (module or module_name(path)).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(here[: len(here) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target == "archiver":  # `from archiver import x`: x is a module or a name
                found += [(node.lineno, f"archiver.{alias.name}") for alias in node.names
                          if (PACKAGE / alias.name).exists()
                          or (PACKAGE / f"{alias.name}.py").exists()]
                continue
            found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found
            if name == "archiver" or name.startswith("archiver.")]


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_package_has_a_layer() -> None:
    units = {unit(module_name(path)) for path in SOURCES}
    assert units <= set(RANK), f"modules with no layer: {sorted(units - set(RANK))}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_down(path: Path) -> None:
    own = unit(module_name(path))
    wrong = []
    for line, target in imported(path):
        other = unit(target)
        if other == own:
            continue
        if RANK[other] > RANK[own]:
            wrong.append(f"line {line}: {target} is in a higher layer than {own}")
        elif RANK[other] == RANK[own]:
            wrong.append(f"line {line}: {target} is a sibling of {own} in the same layer")
    assert not wrong, "\n".join(wrong)


def test_the_layer_check_catches_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: imports from above are found, relative and late ones included."""
    source = tmp_path / "records.py"
    source.write_text("from archiver.manifest.types import SeedEntry\n"
                      "from ..base.digests import sha256_hex\n"
                      "from .reader import Member\n"
                      "def late():\n    from archiver.cli import app\n")
    names = [name for _, name in imported(source, "archiver.warc.records")]
    assert names == ["archiver.manifest.types", "archiver.base.digests", "archiver.warc.reader",
                     "archiver.cli"]
    assert [RANK[unit(name)] > RANK["warc"] for name in names] == [True, False, False, True]


def test_few_modules_at_the_top() -> None:
    modules = [path.name for path in PACKAGE.glob("*.py")]
    assert len(modules) <= TOP_LEVEL_MODULES, modules

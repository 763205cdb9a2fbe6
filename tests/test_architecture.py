"""Data flows one way: loading -> analysis -> map specs -> rendering -> pipeline -> CLI (read from the imports)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "corridors"
LOADING = {"layers", "readers", "_validate", "_limits", "_crs"}
ANALYSIS = {
    "geodesy",
    "_planar",
    "_near_grid",
    "country_index",
    "legs",
    "crossings",
    "metrics",
    "network",
    "historic",
    "placenames",
    "tolerance",
    "distributed",
}
DRAWING = {"folium", "branca", "playwright"}


def imports(module: str) -> tuple[set[str], set[str]]:
    """The package modules and the third-party top-level packages a module imports, at any depth."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    own, other = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            own.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("corridors."):
            own.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module:
            other.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            other.update(a.name.split(".")[0] for a in node.names)
    return own, other


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py"))
RENDERING = {m for m in MODULES if m.startswith("render")}


def test_the_layers_name_every_module():
    assert set(MODULES) >= LOADING | ANALYSIS and RENDERING


@pytest.mark.parametrize("module", sorted(ANALYSIS))
def test_analysis_neither_draws_nor_reads_files_nor_builds_maps(module):
    own, other = imports(module)
    assert not other & DRAWING, "analysis never imports folium, branca or playwright"
    assert not own & (RENDERING | {"pipeline", "specs", "snapshot", "assets", "cli", "layers", "readers", "catalogue"})


@pytest.mark.parametrize("module", sorted(RENDERING))
def test_rendering_computes_no_metric(module):
    own, _ = imports(module)
    assert not own & ANALYSIS, "rendering takes analysed data and measures nothing itself"
    assert not own & {"pipeline", "cli", "layers"}


@pytest.mark.parametrize("module", sorted(set(MODULES) - {"cli", "__main__"}))
def test_only_the_entry_points_import_the_cli(module):
    assert "cli" not in imports(module)[0]


def test_the_readme_architecture_names_every_module():
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Architecture") : readme.index("## Data")]
    missing = [m for m in MODULES if not m.startswith("__") and f"`{m}`" not in section]
    assert not missing, f"README architecture section lacks {missing}"

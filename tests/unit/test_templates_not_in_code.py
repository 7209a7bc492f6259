"""No code names a template's items: what one template needs (its per-board duties, the duty a
choice of model discharges, who is invited) is in its data file. The demo, which loads the
co-commissioning programme on purpose, is the exception (functions named `demo...`)."""

import ast
from pathlib import Path

from bot import programme_templates

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("bot", "handlers", "blocks", "jobs")


def _keys() -> set[str]:
    """Every item key of every template that could only mean that item (hyphenated ones)."""
    out = set()
    for name in programme_templates.names():
        t = programme_templates.load(name)
        for _what, item in programme_templates.items(t):
            if "-" in item["key"]:
                out.add(item["key"])
    return out


def _strings_outside_the_demo(tree: ast.AST):
    def walk(node, in_demo):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_demo = in_demo or node.name.lstrip("_").startswith("demo")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and not in_demo:
            yield node
        for child in ast.iter_child_nodes(node):
            yield from walk(child, in_demo)

    yield from walk(tree, False)


def test_no_code_outside_the_demo_names_a_template_item():
    keys = _keys()
    assert {"hwbb-standing-invitation", "choose-model", "gunning-3"} <= keys
    found = []
    for top in SCANNED:
        for path in (ROOT / top).rglob("*.py"):
            if path.name == "demo.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in _strings_outside_the_demo(tree):
                hit = next((k for k in keys if node.value in (k, k + ":")), None)
                if hit:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {hit}")
    assert found == []

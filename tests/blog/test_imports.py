"""`blog/` has no import circle beyond the ordinary `models` <-> `querysets` pair: a
module that imports the models back (at the top or inside a function) makes the
package order-dependent and hides what depends on what."""

import ast
from pathlib import Path

BLOG = Path(__file__).resolve().parents[2] / "blog"
ALLOWED = {frozenset({"blog.models", "blog.querysets"})}


def _imports() -> dict[str, set[str]]:
    graph = {}
    for path in BLOG.glob("*.py"):
        module = f"blog.{path.stem}"
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "blog":
                    found |= {f"blog.{alias.name}" for alias in node.names}
                elif node.module.startswith("blog."):
                    found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("blog.")}
        graph[module] = found - {module}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in graph:
                continue
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(frozenset(component))

    for node in graph:
        if node not in index:
            visit(node)
    return circles


def test_blog_has_no_import_circle_but_models_and_querysets():
    assert set(_circles(_imports())) <= ALLOWED


def test_the_check_finds_a_circle():
    graph = {"blog.a": {"blog.b"}, "blog.b": {"blog.c"}, "blog.c": {"blog.a"}}
    assert _circles(graph) == [frozenset({"blog.a", "blog.b", "blog.c"})]

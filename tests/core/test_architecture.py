"""The core's layout shows its architecture: no package in it imports in a circle.

Within every package of ``nnstudio.core``, its sub-packages and modules ("siblings") must
depend on one another in one direction only, counting imports inside functions too: a circle
means two pieces can only be understood, tested and moved together. This is the check
``lint-imports`` runs with an ``acyclic_siblings`` contract, made on the import graph that
import-linter itself builds (grimp).
"""

from __future__ import annotations

import pytest

grimp = pytest.importorskip("grimp")


def _circle(edges: dict[str, set[str]]) -> list[str] | None:
    """One circle in ``edges`` (each name → the names it imports), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(edges[node]):
            found = visit(target)
            if found:
                return found
        path.pop()
        done.add(node)
        return None

    for node in sorted(edges):
        found = visit(node)
        if found:
            return found
    return None


def test_no_package_of_the_core_imports_in_a_circle() -> None:
    graph = grimp.build_graph("nnstudio", cache_dir=None)
    circles = []
    for package in ["nnstudio.core", *sorted(graph.find_descendants("nnstudio.core"))]:
        children = graph.find_children(package)
        if len(children) < 2:
            continue
        edges = {
            a: {
                b
                for b in children
                if b != a and graph.direct_import_exists(importer=a, imported=b, as_packages=True)
            }
            for a in children
        }
        circle = _circle(edges)
        if circle:
            circles.append(
                " -> ".join(name.rsplit(".", 1)[-1] for name in circle) + f" in {package}"
            )
    assert circles == []

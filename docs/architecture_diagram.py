"""Draw the package diagram of docs/architecture.md from the code (Mermaid text).

``python docs/architecture_diagram.py`` prints the block; ``tests/test_architecture.py``
checks that the one in docs/architecture.md is what the code gives today, so the picture
cannot drift from the imports. An arrow A --> B means "A imports B" (imports inside
functions count).
"""

from __future__ import annotations

import grimp

#: The boxes of the diagram, in drawing order: (group, modules or packages).
BOXES = {
    "app": ["nnstudio.cli", "nnstudio.gui"],
    "core": [
        "nnstudio.core.workspace",
        "nnstudio.core.lessons",
        "nnstudio.core.export",
        "nnstudio.core.project",
        "nnstudio.core.training",
        "nnstudio.core.data",
        "nnstudio.core.network",
        "nnstudio.core.catalogue",
        "nnstudio.core.events",
        "nnstudio.core.atomic",
        "nnstudio.core.errors",
    ],
}


def short(module: str) -> str:
    return module.removeprefix("nnstudio.").replace("core.", "")


def edges(graph) -> list[tuple[str, str]]:
    """Direct imports between the boxes, dropping those implied through another box."""
    names = [m for group in BOXES.values() for m in group]
    found = []
    for a in names:
        for b in names:
            if a != b and graph.direct_import_exists(importer=a, imported=b, as_packages=True):
                found.append((a, b))
    # Keep the picture readable: inside the core, an arrow A --> C is dropped when
    # A --> B --> C exists (the command line and the GUI show every core package they use).
    direct = set(found)
    core = set(BOXES["core"])
    return [
        (a, c)
        for a, c in found
        if a not in core
        or not any((a, b) in direct and (b, c) in direct for b in core if b not in (a, c))
    ]


def mermaid() -> str:
    graph = grimp.build_graph("nnstudio", cache_dir=None)
    lines = ["```mermaid", "graph TD"]
    for group, modules in BOXES.items():
        lines.append(f"  subgraph {group}")
        lines += [f"    {short(m).replace('.', '_')}[{short(m)}]" for m in modules]
        lines.append("  end")
    for a, b in edges(graph):
        lines.append(f"  {short(a).replace('.', '_')} --> {short(b).replace('.', '_')}")
    lines.append("```")
    return "\n".join(lines)


if __name__ == "__main__":
    print(mermaid())

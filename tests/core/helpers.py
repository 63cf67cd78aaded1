"""Small graph builders shared by core tests."""

from __future__ import annotations

from nnstudio.core.network.graph import Graph


def chain(*layers: tuple[str, dict], input_size: int | str = 3) -> Graph:
    """Input followed by the given (type, params) layers, connected in a line."""
    graph = Graph()
    previous = graph.add_node("Input", {"size": input_size})
    for layer_type, params in layers:
        node = graph.add_node(layer_type, params)
        graph.add_edge(previous.id, node.id)
        previous = node
    return graph


def dense_chain(
    units: list[int | str],
    activation: str = "relu",
    input_size: int | str = 3,
    out_activation: str = "identity",
) -> Graph:
    layers = [("Dense", {"units": u, "activation": activation}) for u in units[:-1]]
    layers.append(("Dense", {"units": units[-1], "activation": out_activation}))
    return chain(*layers, input_size=input_size)

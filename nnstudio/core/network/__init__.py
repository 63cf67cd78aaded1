"""The network a user draws: the graph, its analysis and teaching warnings, automatic layout,
quick-build chains, and the PyTorch module built from it."""

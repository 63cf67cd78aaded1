"""Snapshots for the classroom views: decision boundary, weights, neuron maps."""

from __future__ import annotations

import numpy as np
import torch

from nnstudio.core.network.builder import build_model
from nnstudio.core.training.probes import Grid, decision_boundary, neuron_values, weights_frame
from tests.core.helpers import dense_chain


def model():
    return build_model(dense_chain([4, 3], input_size=2), seed=0)


def test_grid_covers_data_with_margin():
    pts = np.array([[0.0, 0.0], [1.0, 2.0]])
    grid = Grid.around(pts, resolution=5, margin=0.1)
    assert grid.x_min < 0 < 1 < grid.x_max and grid.y_min < 0 < 2 < grid.y_max
    p = grid.points()
    assert p.shape == (25, 2)
    assert torch.isclose(p[0, 0], torch.tensor(grid.x_min)) and p[-1, 1] == p[-2, 1]


def test_decision_boundary_probabilities_match_model_and_keep_training_mode():
    m = model()
    m.train()
    grid = Grid(-1, 1, -1, 1, resolution=6)
    frame = decision_boundary(m, grid, "logits", epoch=2, step=7)
    assert frame.probs.shape == (6, 6, 3) and frame.epoch == 2 and frame.step == 7
    assert np.allclose(frame.probs.sum(axis=2), 1.0, atol=1e-5)
    expected = torch.softmax(m(grid.points()), dim=1).detach().numpy().reshape(6, 6, 3)
    assert np.allclose(frame.probs, expected, atol=1e-6)
    assert m.training


def test_weights_frame_and_neuron_maps():
    m = model()
    grid = Grid(-1, 1, -1, 1, resolution=4)
    frame = weights_frame(m, grid, sample=torch.tensor([0.5, -0.5]))
    ids = m.order[1:]
    assert frame.weights[ids[0]].shape == (4, 2) and frame.biases[ids[1]].shape == (3,)
    assert frame.maps[ids[0]].shape == (4, 4, 4)
    parts = m.trace(grid.points())
    assert np.allclose(frame.maps[ids[0]][1].reshape(-1), parts[ids[0]]["a"][:, 1].detach())
    values = neuron_values(m, torch.tensor([0.5, -0.5]))
    assert np.allclose(frame.sample[ids[0]]["z"], values[ids[0]]["z"])
    assert (values[ids[0]]["a"] == np.maximum(values[ids[0]]["z"], 0)).all()

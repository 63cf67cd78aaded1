"""Losses: the lesson's worked values, agreement with torch, target formats and fit checks."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from nnstudio.core.catalogue.losses import (
    LOSSES,
    balanced_class_weights,
    build_loss,
    check_loss,
    class_weights_for,
)
from nnstudio.core.catalogue.params import ParamError
from nnstudio.core.errors import TrainingError

# ----------------------------------------------------------------- seed-notes §4 worked values


def test_l1_and_mse_worked_values():
    pred = torch.tensor([[1.0], [1.0], [1.9]])
    true = torch.tensor([[2.0], [2.0], [2.0]])
    assert round(build_loss({"name": "l1"})(pred, true).item(), 2) == 0.70
    assert round(build_loss({"name": "mae"})(pred, true).item(), 2) == 0.70
    assert round(build_loss({"name": "mse"})(pred, true).item(), 2) == 0.67


def test_smooth_l1_worked_value():
    pred = torch.tensor([[0.6], [0.4]])
    true = torch.tensor([[0.0], [3.0]])
    assert round(build_loss({"name": "smooth_l1"})(pred, true).item(), 2) == 1.14


def test_bce_worked_value_with_class_index_targets():
    probs = torch.tensor([[0.6901], [0.5459], [0.2469]])
    classes = torch.tensor([0, 1, 0])  # int64 class indices, as a classification dataset gives
    assert round(build_loss({"name": "bce"})(probs, classes).item(), 4) == 0.6868


def test_cross_entropy_worked_value():
    logits = torch.tensor([[0.2, 0.6, 0.2], [0.1, 0.8, 0.1]])
    classes = torch.tensor([1, 2])
    assert round(build_loss({"name": "cross_entropy"})(logits, classes).item(), 4) == 1.1201


def test_log_softmax_plus_nll_is_cross_entropy():
    logits = torch.tensor([[0.2, 0.6, 0.2], [0.1, 0.8, 0.1]])
    classes = torch.tensor([1, 2])
    nll = build_loss({"name": "nll"})(torch.log_softmax(logits, dim=1), classes)
    assert round(nll.item(), 4) == 1.1201


# ----------------------------------------------------------------- agreement with torch

_GEN = torch.Generator().manual_seed(0)
_OUT = torch.randn(16, 3, generator=_GEN)
_TARGET = torch.randn(16, 3, generator=_GEN)


@pytest.mark.parametrize(
    ("component", "reference"),
    [
        ({"name": "mse"}, lambda o, t: F.mse_loss(o, t)),
        ({"name": "l1"}, lambda o, t: F.l1_loss(o, t)),
        ({"name": "smooth_l1", "beta": 0.5}, lambda o, t: F.smooth_l1_loss(o, t, beta=0.5)),
        ({"name": "huber", "delta": 2.0}, lambda o, t: F.huber_loss(o, t, delta=2.0)),
        ({"name": "half_sse"}, lambda o, t: 0.5 * ((o - t) ** 2).sum()),
    ],
)
def test_regression_losses_equal_torch(component, reference):
    got = build_loss(component)(_OUT, _TARGET)
    assert torch.allclose(got, reference(_OUT, _TARGET), rtol=0, atol=1e-6)


def test_half_sse_is_half_the_sum_not_the_mean():
    out = torch.tensor([[0.751365, 0.772928]])
    target = torch.tensor([[0.01, 0.99]])
    got = build_loss({"name": "half_sse"})(out, target).item()
    assert got == pytest.approx(0.298371, abs=1e-6)  # the backprop lesson's loss
    batch = torch.randn(8, 2), torch.randn(8, 2)
    assert build_loss({"name": "half_sse"})(*batch).item() == pytest.approx(
        0.5 * ((batch[0] - batch[1]) ** 2).sum().item(), rel=1e-6
    )


def test_binary_losses_equal_torch():
    logits = torch.randn(20, 1)
    y = torch.randint(0, 2, (20,))
    yf = y.float().unsqueeze(1)
    got = build_loss({"name": "bce"})(torch.sigmoid(logits), y)
    assert torch.allclose(got, F.binary_cross_entropy(torch.sigmoid(logits), yf), atol=1e-6)
    got = build_loss({"name": "bce_with_logits"})(logits, y)
    assert torch.allclose(got, F.binary_cross_entropy_with_logits(logits, yf), atol=1e-6)
    got = build_loss({"name": "bce_with_logits", "pos_weight": 3.0})(logits, y)
    ref = F.binary_cross_entropy_with_logits(logits, yf, pos_weight=torch.tensor([3.0]))
    assert torch.allclose(got, ref, atol=1e-6)


def test_classification_losses_equal_torch():
    logits = torch.randn(30, 4)
    y = torch.randint(0, 4, (30,))
    w = torch.tensor([1.0, 2.0, 0.5, 3.0])
    got = build_loss({"name": "cross_entropy", "label_smoothing": 0.1})(logits, y)
    assert torch.allclose(got, F.cross_entropy(logits, y, label_smoothing=0.1), atol=1e-6)
    got = build_loss({"name": "cross_entropy"}, w)(logits, y)
    assert torch.allclose(got, F.cross_entropy(logits, y, weight=w), atol=1e-6)
    logp = torch.log_softmax(logits, dim=1)
    got = build_loss({"name": "nll", "weighting": "custom", "class_weights": w.tolist()})(logp, y)
    assert torch.allclose(got, F.nll_loss(logp, y, weight=w), atol=1e-6)
    assert torch.allclose(build_loss({"name": "nll"})(logp, y), F.nll_loss(logp, y), atol=1e-6)


# ----------------------------------------------------------------- target formats


def test_mse_with_column_target_and_single_output_does_not_broadcast():
    out = torch.tensor([[1.0], [2.0], [3.0]])
    target = torch.tensor([1.0, 2.0, 5.0])  # [N] against [N, 1]
    assert build_loss({"name": "mse"})(out, target).item() == pytest.approx(4.0 / 3.0)
    # Broadcasting [3] against [3, 1] would have compared every pair: a different number.
    broadcast = ((out - target) ** 2).mean().item()
    assert broadcast != pytest.approx(4.0 / 3.0)
    assert build_loss({"name": "mse"})(out[:, 0], target.unsqueeze(1)).item() == pytest.approx(
        4.0 / 3.0
    )


def test_regression_loss_refuses_mismatched_shapes():
    with pytest.raises(TrainingError, match="one unit per target column"):
        build_loss({"name": "mse"})(torch.zeros(4, 1), torch.zeros(4, 2))


def test_regression_loss_on_class_indices_uses_numbers_or_one_hot():
    y = torch.tensor([0, 1, 1])
    out1 = torch.tensor([[0.5], [0.5], [1.0]])
    assert build_loss({"name": "mse"})(out1, y).item() == pytest.approx(0.5 / 3)
    out2 = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    assert build_loss({"name": "half_sse"})(out2, y).item() == pytest.approx(0.5)
    with pytest.raises(TrainingError, match="one unit per class"):
        build_loss({"name": "mse"})(out2, torch.tensor([0, 1, 2]))


def test_bce_takes_int64_classes_and_refuses_other_classes():
    out = torch.full((3,), 0.5)
    assert build_loss({"name": "bce"})(out, torch.tensor([0, 1, 0])).item() == pytest.approx(
        0.693147, abs=1e-6
    )
    with pytest.raises(TrainingError, match=r"classes 0 and 1.*class 2"):
        build_loss({"name": "bce"})(torch.full((3, 1), 0.5), torch.tensor([0, 2, 1]))
    with pytest.raises(TrainingError, match="1 unit"):
        build_loss({"name": "bce_with_logits"})(torch.zeros(3, 2), torch.tensor([0, 1, 0]))


def test_cross_entropy_target_checks():
    loss = build_loss({"name": "cross_entropy"})
    logits = torch.randn(3, 3)
    # A [N, 1] column of whole numbers is accepted as class labels.
    assert torch.allclose(
        loss(logits, torch.tensor([[0.0], [2.0], [1.0]])),
        F.cross_entropy(logits, torch.tensor([0, 2, 1])),
    )
    with pytest.raises(TrainingError, match="class 3 but the output has 3 units"):
        loss(logits, torch.tensor([0, 3, 1]))
    with pytest.raises(TrainingError, match="continuous"):
        loss(logits, torch.tensor([0.5, 1.0, 2.0]))


# ----------------------------------------------------------------- class weights


def test_balanced_class_weights_values():
    y = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1, 2, 2])  # counts 6, 2, 2
    w = balanced_class_weights(y, 3)
    assert torch.allclose(w, torch.tensor([10 / 18, 10 / 6, 10 / 6]))
    # A class missing from the data gets the neutral weight 1.
    w = balanced_class_weights(torch.tensor([0, 0, 1, 1]), 3)
    assert torch.allclose(w, torch.tensor([4 / 6, 4 / 6, 1.0]))
    # Equal classes weigh 1 each.
    assert torch.allclose(balanced_class_weights(torch.arange(4).repeat(5), 4), torch.ones(4))


def test_class_weights_for_picks_the_weighting():
    y = torch.tensor([0, 0, 0, 1])
    assert class_weights_for({"name": "cross_entropy"}, y, 2) is None
    assert class_weights_for({"name": "mse"}, y, 2) is None
    w = class_weights_for({"name": "cross_entropy", "weighting": "balanced"}, y, 2)
    assert torch.allclose(w, torch.tensor([4 / 6, 2.0]))
    w = class_weights_for({"name": "nll", "weighting": "custom", "class_weights": [1, 3]}, y, 2)
    assert torch.allclose(w, torch.tensor([1.0, 3.0]))


def test_custom_class_weights_of_the_wrong_length_are_refused():
    comp = {"name": "cross_entropy", "weighting": "custom", "class_weights": [1.0, 2.0]}
    with pytest.raises(TrainingError, match="2 numbers but the target has 4 classes"):
        class_weights_for(comp, torch.tensor([0, 1, 2, 3]), 4)


def test_balanced_weights_change_the_loss_as_torch_does():
    y = torch.tensor([0, 0, 0, 1])
    logits = torch.randn(4, 2)
    comp = {"name": "cross_entropy", "weighting": "balanced"}
    w = class_weights_for(comp, y, 2)
    got = build_loss(comp, w)(logits, y)
    assert torch.allclose(got, F.cross_entropy(logits, y, weight=w))
    with pytest.raises(TrainingError, match="class_weights_for"):
        build_loss(comp)


# ----------------------------------------------------------------- fit checks


def _check(
    name, *, task="classification", n_classes=3, n_targets=1, units=3, act="identity", **extra
):
    return check_loss(
        {"name": name, **extra},
        task=task,
        n_classes=n_classes,
        n_targets=n_targets,
        output_units=units,
        output_activation=act,
        target_name="price" if task == "regression" else "label",
    )


def test_check_loss_accepts_fitting_combinations():
    assert _check("cross_entropy") == []
    assert _check("cross_entropy", act=None) == []
    assert _check("nll", act="log_softmax") == []
    assert _check("bce", n_classes=2, units=1, act="sigmoid") == []
    assert _check("bce_with_logits", n_classes=2, units=1) == []
    assert _check("mse", task="regression", n_targets=2, units=2) == []
    assert _check("l1", task="regression", units=1, act="relu") == []
    # The perceptron lesson: ½·Σ squared error on 0/1 labels with one step unit.
    assert _check("half_sse", n_classes=2, units=1, act="step") == []
    assert _check("mse", n_classes=3, units=3) == []  # one-hot targets


def test_check_loss_cross_entropy_on_continuous_target():
    msgs = _check("cross_entropy", task="regression", units=1)
    assert msgs == [
        "Cross-entropy needs class labels but the target 'price' is continuous: "
        "use MSE, or set the task to classification"
    ]


def test_check_loss_class_losses_need_one_unit_per_class():
    (msg,) = _check("cross_entropy", units=2)
    assert "give the output layer 3 units (it has 2)" in msg
    (msg,) = _check("nll", units=4, act="log_softmax")
    assert "3 units (it has 4)" in msg
    (msg,) = _check("cross_entropy", n_classes=2, units=1)
    assert "BCE with logits" in msg


def test_check_loss_softmax_before_cross_entropy():
    (msg,) = _check("cross_entropy", act="softmax")
    assert "twice" in msg and "identity" in msg


def test_check_loss_nll_needs_log_softmax():
    (msg,) = _check("nll", act="identity")
    assert "LogSoftmax" in msg and "cross-entropy" in msg


def test_check_loss_bce_mismatches():
    (msg,) = _check("bce", n_classes=4, units=1, act="sigmoid")
    assert "two classes" in msg and "cross-entropy with 4 output units" in msg
    (msg,) = _check("bce_with_logits", n_classes=2, units=2)
    assert "1 output unit" in msg and "(it has 2)" in msg
    (msg,) = _check("bce", n_classes=2, units=1, act="relu")
    assert msg == (
        "BCE expects probabilities but the output activation is ReLU: use BCE with "
        "logits, or add a sigmoid"
    )
    (msg,) = _check("bce_with_logits", n_classes=2, units=1, act="sigmoid")
    assert "identity" in msg
    (msg,) = _check("bce", task="regression", units=1, act="sigmoid")
    assert "continuous" in msg


def test_check_loss_regression_mismatches():
    (msg,) = _check("mse", task="regression", n_targets=2, units=1)
    assert msg == (
        "The target 'price' has 2 columns but the output layer has 1 unit: give it 2 units"
    )
    (msg,) = _check("mse", n_classes=4, units=1)
    assert "use cross-entropy with 4 output units" in msg


def test_check_loss_messages_are_one_line():
    cases = [
        _check("cross_entropy", task="regression", units=1),
        _check("nll", units=2),
        _check("bce", n_classes=3, units=2, act="tanh"),
        _check("mse", n_classes=5),
    ]
    for msgs in cases:
        assert msgs
        assert all("\n" not in m for m in msgs)


# ----------------------------------------------------------------- the registry


@pytest.mark.parametrize("name", LOSSES.names())
def test_every_loss_normalizes_and_builds(name):
    comp = LOSSES.normalize(name)
    assert comp["name"] == name
    spec = LOSSES.get(name)
    assert set(comp) == {"name", *spec.defaults()}
    loss = build_loss(comp)
    assert isinstance(loss, torch.nn.Module)
    assert spec.help and "\n" not in spec.help
    assert all(p.help for p in spec.params)
    out = {
        "class_index": torch.randn(4, 3),
        "binary": torch.rand(4, 1),
        "float": torch.randn(4, 2),
    }[spec.target]
    y = {
        "class_index": torch.tensor([0, 1, 2, 1]),
        "binary": torch.tensor([0, 1, 1, 0]),
        "float": torch.randn(4, 2),
    }[spec.target]
    if spec.expects == "log_probabilities":
        out = torch.log_softmax(out, dim=1)
    assert torch.isfinite(loss(out, y))


def test_aliases_and_bad_params():
    assert LOSSES.normalize("mse_loss")["name"] == "mse"
    assert LOSSES.normalize("mae")["name"] == "l1"
    with pytest.raises(ParamError):
        LOSSES.normalize({"name": "cross_entropy", "label_smoothing": 1.0})
    with pytest.raises(ParamError):
        LOSSES.normalize({"name": "cross_entropy", "weighting": "sometimes"})


def test_loss_follows_the_model_to_another_dtype_device():
    w = torch.tensor([1.0, 2.0])
    loss = build_loss({"name": "cross_entropy"}, w).to(torch.float64)
    logits = torch.randn(3, 2, dtype=torch.float64)
    y = torch.tensor([0, 1, 1])
    assert torch.allclose(loss(logits, y), F.cross_entropy(logits, y, weight=w.double()))

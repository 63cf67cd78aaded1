"""Optimisers: the lesson's two-step values, agreement with torch, and Lion by hand."""

from __future__ import annotations

import copy

import pytest
import torch

from nnstudio.core.catalogue.optimizers import OPTIMIZERS, build_optimizer, lr_of
from nnstudio.core.catalogue.params import ParamError
from nnstudio.core.catalogue.torch_classes import Lion
from nnstudio.core.errors import TrainingError


def _two_steps(component: dict) -> list[float]:
    """w = 1, loss w²/2 (gradient w), two optimiser steps: the optimiser lesson's setting."""
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = build_optimizer(component, [w])
    out = []
    for _ in range(2):
        opt.zero_grad()
        (w**2 / 2).sum().backward()
        opt.step()
        out.append(w.item())
    return out


@pytest.mark.parametrize(
    ("component", "expected"),
    [
        ({"name": "sgd", "lr": 0.01, "momentum": 0.9}, (0.99, 0.9711)),
        ({"name": "adagrad", "lr": 0.01}, (0.99, 0.982965)),
        ({"name": "rmsprop", "lr": 0.01, "alpha": 0.9}, (0.968377, 0.945788)),
        ({"name": "adam", "lr": 0.01, "beta1": 0.9, "beta2": 0.99}, (0.99, 0.980003)),
    ],
)
def test_seed_notes_two_step_values(component, expected):
    got = _two_steps(component)
    assert [round(v, 6) for v in got] == pytest.approx(list(expected), abs=1e-12)


def _tiny_model() -> torch.nn.Module:
    gen = torch.Generator().manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    return model


def _train(model: torch.nn.Module, opt: torch.optim.Optimizer, steps: int = 5) -> None:
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(8, 3, generator=gen)
    y = torch.randn(8, 2, generator=gen)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()


_NON_DEFAULT = {
    "sgd": {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01},
    "adagrad": {
        "lr": 0.05,
        "lr_decay": 0.01,
        "weight_decay": 0.01,
        "eps": 1e-8,
        "initial_accumulator_value": 0.1,
    },
    "rmsprop": {
        "lr": 0.005,
        "alpha": 0.9,
        "eps": 1e-6,
        "momentum": 0.5,
        "centered": True,
        "weight_decay": 0.01,
    },
    "adam": {
        "lr": 0.01,
        "beta1": 0.8,
        "beta2": 0.99,
        "eps": 1e-6,
        "amsgrad": True,
        "weight_decay": 0.01,
    },
    "adamw": {
        "lr": 0.01,
        "beta1": 0.8,
        "beta2": 0.99,
        "eps": 1e-6,
        "amsgrad": True,
        "weight_decay": 0.1,
    },
    "nadam": {
        "lr": 0.01,
        "beta1": 0.8,
        "beta2": 0.99,
        "eps": 1e-6,
        "weight_decay": 0.01,
        "momentum_decay": 0.01,
    },
    "lion": {"lr": 0.001, "beta1": 0.8, "beta2": 0.95, "weight_decay": 0.1},
}


def _direct(name: str, params, p: dict) -> torch.optim.Optimizer:
    """The same optimiser built straight from torch (or Lion) with the same numbers."""
    betas = (p.get("beta1"), p.get("beta2"))
    if name == "sgd":
        return torch.optim.SGD(
            params,
            lr=p["lr"],
            momentum=p["momentum"],
            dampening=p["dampening"],
            weight_decay=p["weight_decay"],
            nesterov=p["nesterov"],
        )
    if name == "adagrad":
        return torch.optim.Adagrad(
            params,
            lr=p["lr"],
            lr_decay=p["lr_decay"],
            weight_decay=p["weight_decay"],
            eps=p["eps"],
            initial_accumulator_value=p["initial_accumulator_value"],
        )
    if name == "rmsprop":
        return torch.optim.RMSprop(
            params,
            lr=p["lr"],
            alpha=p["alpha"],
            eps=p["eps"],
            weight_decay=p["weight_decay"],
            momentum=p["momentum"],
            centered=p["centered"],
        )
    if name in ("adam", "adamw"):
        cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
        return cls(
            params,
            lr=p["lr"],
            betas=betas,
            eps=p["eps"],
            weight_decay=p["weight_decay"],
            amsgrad=p["amsgrad"],
        )
    if name == "nadam":
        return torch.optim.NAdam(
            params,
            lr=p["lr"],
            betas=betas,
            eps=p["eps"],
            weight_decay=p["weight_decay"],
            momentum_decay=p["momentum_decay"],
        )
    if name == "lion":
        return Lion(params, lr=p["lr"], betas=betas, weight_decay=p["weight_decay"])
    raise AssertionError(name)


def test_every_optimizer_has_a_direct_reference():
    assert set(_NON_DEFAULT) == set(OPTIMIZERS.names())


@pytest.mark.parametrize("name", OPTIMIZERS.names())
@pytest.mark.parametrize("settings", ["defaults", "non-default"])
def test_registry_optimizer_equals_torch_built_directly(name, settings):
    comp = OPTIMIZERS.normalize(
        {"name": name, **(_NON_DEFAULT[name] if settings != "defaults" else {})}
    )
    ours, theirs = _tiny_model(), _tiny_model()
    _train(ours, build_optimizer(comp, ours.parameters()))
    _train(theirs, _direct(name, theirs.parameters(), comp))
    moved = False
    for a, b, start in zip(
        ours.parameters(), theirs.parameters(), _tiny_model().parameters(), strict=True
    ):
        assert torch.equal(a, b)
        moved |= not torch.equal(a, start)
    assert moved


def test_defaults_are_pytorchs_except_sgd_lr():
    comp = OPTIMIZERS.normalize("adam")
    assert (comp["lr"], comp["beta1"], comp["beta2"], comp["eps"]) == (1e-3, 0.9, 0.999, 1e-8)
    assert comp["weight_decay"] == 0.0 and comp["amsgrad"] is False
    assert OPTIMIZERS.normalize("adamw")["weight_decay"] == 0.01
    sgd = OPTIMIZERS.normalize("sgd")
    assert (sgd["lr"], sgd["momentum"], sgd["nesterov"]) == (0.01, 0.0, False)
    assert OPTIMIZERS.normalize("rmsprop")["alpha"] == 0.99
    assert OPTIMIZERS.normalize("adagrad")["eps"] == 1e-10
    assert OPTIMIZERS.normalize("nadam")["momentum_decay"] == 0.004
    lion = OPTIMIZERS.normalize("lion")
    assert (lion["lr"], lion["beta1"], lion["beta2"]) == (1e-4, 0.9, 0.99)


def test_usual_lr_ranges():
    expected = {
        "sgd": (0.01, 0.1),
        "adam": (1e-4, 1e-3),
        "adamw": (1e-4, 1e-3),
        "nadam": (1e-4, 1e-3),
        "lion": (1e-5, 1e-4),
        "rmsprop": (1e-4, 1e-2),
        "adagrad": (1e-3, 1e-1),
    }
    assert {s.name: s.usual_lr for s in OPTIMIZERS} == expected


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_optimizer_declares_lr_and_weight_decay(name):
    spec = OPTIMIZERS.get(name)
    lr = spec.param("lr")
    assert (lr.kind, lr.log_scale, lr.minimum, lr.exclusive_min, lr.maximum) == (
        "float",
        True,
        0.0,
        True,
        10.0,
    )
    wd = spec.param("weight_decay")
    assert wd.kind == "float" and "L2" in wd.help
    comp = OPTIMIZERS.normalize(name)
    assert set(comp) == {"name", *spec.defaults()}
    opt = build_optimizer(comp, [torch.nn.Parameter(torch.zeros(2))])
    assert opt.param_groups[0]["lr"] == comp["lr"] == lr_of(name)
    assert spec.code and "{params}" in spec.code
    assert all(p.help and "\n" not in p.help for p in spec.params)
    with pytest.raises(ParamError):
        OPTIMIZERS.normalize({"name": name, "lr": 0.0})


def test_lr_of():
    assert lr_of({"name": "adam"}) == 1e-3
    assert lr_of({"name": "sgd", "lr": "0.1"}) == 0.1


def test_bad_combinations_become_training_errors():
    with pytest.raises(TrainingError, match="Nesterov"):
        build_optimizer({"name": "sgd", "nesterov": True}, [torch.nn.Parameter(torch.zeros(1))])
    with pytest.raises(TrainingError, match="no trainable weights"):
        build_optimizer({"name": "adam"}, [])


# ----------------------------------------------------------------- Lion


def _lion_reference(w, grads, lr, b1, b2, wd):
    """Chen et al. 2023, Algorithm 2, written out with plain floats."""
    m = [0.0] * len(w)
    w = list(w)
    history = []
    for g in grads:
        for i, gi in enumerate(g):
            c = b1 * m[i] + (1 - b1) * gi
            sign = (c > 0) - (c < 0)
            w[i] = w[i] - lr * (sign + wd * w[i])
            m[i] = b2 * m[i] + (1 - b2) * gi
        history.append(list(w))
    return history


def test_lion_matches_hand_computed_update_with_weight_decay():
    start = [1.0, -2.0, 0.5]
    grads = [[0.3, -0.1, 0.0], [-0.2, -0.4, 0.05], [0.25, 0.3, -0.6]]
    lr, b1, b2, wd = 0.1, 0.9, 0.99, 0.5
    w = torch.nn.Parameter(torch.tensor(start, dtype=torch.float64))
    opt = Lion([w], lr=lr, betas=(b1, b2), weight_decay=wd)
    expected = _lion_reference(start, grads, lr, b1, b2, wd)
    for g, want in zip(grads, expected, strict=True):
        w.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        assert w.detach().tolist() == pytest.approx(want, abs=1e-12)
    # Written out for step 1 of the first weight: 1 − 0.1·(sign(0.03) + 0.5·1) = 0.85.
    assert expected[0][0] == pytest.approx(0.85)
    # Step 2, second weight: m = 0.01·(−0.1) = −0.001, c = 0.9·m + 0.1·(−0.4) < 0, so sign −1.
    assert expected[1][1] == pytest.approx(expected[0][1] - 0.1 * (-1 + 0.5 * expected[0][1]))


def test_lion_state_dict_round_trip():
    model = _tiny_model()
    opt = Lion(model.parameters(), lr=0.01, betas=(0.9, 0.99), weight_decay=0.1)
    _train(model, opt, steps=3)
    saved_model = copy.deepcopy(model.state_dict())
    saved_opt = copy.deepcopy(opt.state_dict())
    assert all("exp_avg" in s for s in saved_opt["state"].values())
    _train(model, opt, steps=2)
    expected = [p.detach().clone() for p in model.parameters()]

    again = _tiny_model()
    again.load_state_dict(saved_model)
    opt2 = Lion(again.parameters(), lr=0.5)
    opt2.load_state_dict(saved_opt)
    assert opt2.param_groups[0]["lr"] == 0.01 and opt2.param_groups[0]["weight_decay"] == 0.1
    _train(again, opt2, steps=2)
    for a, b in zip(again.parameters(), expected, strict=True):
        assert torch.equal(a, b)


def test_lion_validates_and_supports_closure():
    with pytest.raises(ValueError):
        Lion([torch.nn.Parameter(torch.zeros(1))], lr=-1.0)
    with pytest.raises(ValueError):
        Lion([torch.nn.Parameter(torch.zeros(1))], betas=(1.5, 0.9))
    w = torch.nn.Parameter(torch.tensor([2.0]))
    opt = Lion([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == pytest.approx(4.0)
    assert w.item() == pytest.approx(1.9)

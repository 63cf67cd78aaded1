"""The optimiser lesson's worked example, step by step: w = 1, loss w²/2, a few steps.

The lesson shows each optimiser's first two steps on the single weight w = 1 with the loss
E = w²/2 (so the gradient is w itself): SGD with momentum 0.9 goes 1 → 0.99 → 0.9711,
AdaGrad 0.99 → 0.982965, RMSprop 0.968377 → 0.945788, Adam 0.99 → 0.980003. Students
understand an optimiser by watching the state it keeps (a velocity, a sum of squares, two
moments) change after each step, so :func:`run_optimizer` steps PyTorch's own optimiser and
reads its state out of ``optimizer.state`` after every step — the numbers are the ones
``torch.optim`` produces, not a re-implementation — and :func:`hand_steps` computes the same
steps from the textbook formulas (in float64), which the view shows beside them and a test
holds equal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import torch

from nnstudio.i18n import N_

#: Most steps a student may ask for (the table stays readable).
MAX_STEPS = 20


@dataclass(frozen=True)
class OptimizerLesson:
    """One optimiser of the lesson: its name, label, hyper-parameters and state columns."""

    key: str
    label: str  #: English, translated where shown
    #: Hyper-parameter → the lesson's value.
    defaults: dict[str, float]
    #: The update rule, as the lesson writes it (formulas stay untranslated).
    formula: str
    #: State columns shown per step: key → symbol (the bias-corrected moments are written
    #: m_hat and v_hat, as the lesson's code names them: a combining hat over a letter
    #: renders badly in many fonts).
    state: dict[str, str] = field(default_factory=dict)


#: The lesson's optimisers at the lesson's hyper-parameters, in the lesson's order.
LESSON_OPTIMIZERS: tuple[OptimizerLesson, ...] = (
    OptimizerLesson("sgd", N_("SGD"), {"lr": 0.01}, "w ← w − lr·g"),
    OptimizerLesson(
        "momentum",
        N_("SGD with momentum"),
        {"lr": 0.01, "momentum": 0.9},
        "v ← μ·v + g;  w ← w − lr·v",
        {"v": "v"},
    ),
    OptimizerLesson(
        "adagrad",
        N_("AdaGrad"),
        {"lr": 0.01, "eps": 1e-10},
        "s ← s + g²;  w ← w − lr·g / (√s + ε)",
        {"s": "s"},
    ),
    OptimizerLesson(
        "rmsprop",
        N_("RMSprop"),
        {"lr": 0.01, "alpha": 0.9, "eps": 1e-8},
        "s ← α·s + (1 − α)·g²;  w ← w − lr·g / (√s + ε)",
        {"s": "s"},
    ),
    OptimizerLesson(
        "adam",
        N_("Adam"),
        {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8},
        "m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  m_hat = m / (1 − β1ᵗ);  "
        "v_hat = v / (1 − β2ᵗ);  w ← w − lr·m_hat / (√v_hat + ε)",
        {"m": "m", "v": "v", "m_hat": "m_hat", "v_hat": "v_hat"},
    ),
)

#: Hyper-parameter → symbol in the formulas.
SYMBOLS = {"lr": "lr", "momentum": "μ", "alpha": "α", "beta1": "β1", "beta2": "β2", "eps": "ε"}


def lesson_optimizer(key: str) -> OptimizerLesson:
    """The lesson's optimiser named ``key`` (KeyError when there is none)."""
    for spec in LESSON_OPTIMIZERS:
        if spec.key == key:
            return spec
    raise KeyError(key)


@dataclass(frozen=True)
class StepRow:
    """The weight after ``step`` steps, the gradient that step used and the state it left."""

    step: int
    w: float
    #: Gradient of the step that led here (None for step 0, the starting point).
    grad: float | None
    #: State after the step, keyed as :attr:`OptimizerLesson.state` (empty at step 0).
    state: dict[str, float] = field(default_factory=dict)


def _checked(key: str, settings: Mapping[str, float] | None, steps: int) -> dict[str, float]:
    spec = lesson_optimizer(key)
    values = dict(spec.defaults)
    for name, value in (settings or {}).items():
        if name in values:
            values[name] = float(value)
    if not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be 0–{MAX_STEPS}, not {steps}")
    return values


def _torch_optimizer(key: str, p: Mapping[str, float], w: torch.Tensor) -> torch.optim.Optimizer:
    if key == "sgd":
        return torch.optim.SGD([w], lr=p["lr"])
    if key == "momentum":
        return torch.optim.SGD([w], lr=p["lr"], momentum=p["momentum"])
    if key == "adagrad":
        return torch.optim.Adagrad([w], lr=p["lr"], eps=p["eps"])
    if key == "rmsprop":
        return torch.optim.RMSprop([w], lr=p["lr"], alpha=p["alpha"], eps=p["eps"])
    if key == "adam":
        return torch.optim.Adam([w], lr=p["lr"], betas=(p["beta1"], p["beta2"]), eps=p["eps"])
    raise KeyError(key)


def _state(key: str, p: Mapping[str, float], state: Mapping[str, torch.Tensor]) -> dict[str, float]:
    """What ``optimizer.state`` holds for the weight, under the lesson's symbols."""
    if key == "momentum":
        return {"v": float(state["momentum_buffer"])}
    if key == "adagrad":
        return {"s": float(state["sum"])}
    if key == "rmsprop":
        return {"s": float(state["square_avg"])}
    if key == "adam":
        t = int(float(state["step"]))
        m, v = float(state["exp_avg"]), float(state["exp_avg_sq"])
        # Bias correction: what Adam divides by inside its step, written out for students.
        return {
            "m": m,
            "v": v,
            "m_hat": m / (1 - p["beta1"] ** t),
            "v_hat": v / (1 - p["beta2"] ** t),
        }
    return {}


def run_optimizer(
    key: str, settings: Mapping[str, float] | None = None, *, steps: int = 2, w0: float = 1.0
) -> list[StepRow]:
    """``steps`` steps of PyTorch's own optimiser on E = w²/2 from ``w0``, state read back.

    Float64, so the numbers are the formulas' own and not float32's rounding of them.
    """
    p = _checked(key, settings, steps)
    w = torch.tensor(float(w0), dtype=torch.float64, requires_grad=True)
    optimizer = _torch_optimizer(key, p, w)
    rows = [StepRow(0, float(w.detach()), None)]
    for t in range(1, steps + 1):
        optimizer.zero_grad()
        loss = w * w / 2
        loss.backward()
        grad = float(w.grad)
        optimizer.step()
        rows.append(StepRow(t, float(w.detach()), grad, _state(key, p, optimizer.state[w])))
    return rows


def hand_steps(
    key: str, settings: Mapping[str, float] | None = None, *, steps: int = 2, w0: float = 1.0
) -> list[StepRow]:
    """The same steps from the lesson's formulas (:attr:`OptimizerLesson.formula`)."""
    p = _checked(key, settings, steps)
    w = float(w0)
    rows = [StepRow(0, w, None)]
    v = s = m = 0.0
    for t in range(1, steps + 1):
        g = w  # ∂(w²/2)/∂w
        state: dict[str, float] = {}
        if key == "sgd":
            w = w - p["lr"] * g
        elif key == "momentum":
            # PyTorch starts the velocity at the first gradient (v₁ = g₁), as μ·0 + g does.
            v = p["momentum"] * v + g
            w = w - p["lr"] * v
            state = {"v": v}
        elif key == "adagrad":
            s = s + g * g
            w = w - p["lr"] * g / (math.sqrt(s) + p["eps"])
            state = {"s": s}
        elif key == "rmsprop":
            s = p["alpha"] * s + (1 - p["alpha"]) * g * g
            w = w - p["lr"] * g / (math.sqrt(s) + p["eps"])
            state = {"s": s}
        elif key == "adam":
            m = p["beta1"] * m + (1 - p["beta1"]) * g
            v = p["beta2"] * v + (1 - p["beta2"]) * g * g
            m_hat = m / (1 - p["beta1"] ** t)
            v_hat = v / (1 - p["beta2"] ** t)
            w = w - p["lr"] * m_hat / (math.sqrt(v_hat) + p["eps"])
            state = {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat}
        else:
            raise KeyError(key)
        rows.append(StepRow(t, w, g, state))
    return rows


def hand_line(
    key: str, settings: Mapping[str, float] | None, before: StepRow, after: StepRow
) -> str:
    """One step's update written with its numbers, as a student would on paper.

    ``before`` is the row the step started from, ``after`` the row it produced; the
    numbers are PyTorch's (``after`` comes from :func:`run_optimizer`), the arithmetic the
    formula's.
    """
    p = _checked(key, settings, 0)
    lr, g, w0, w1 = p["lr"], after.grad or 0.0, before.w, after.w
    st = after.state
    f = number
    if key == "sgd":
        return f"w = {f(w0)} − {lr:g} × {f(g)} = {f(w1)}"
    if key == "momentum":
        v_old = before.state.get("v", 0.0)
        return (
            f"v = {p['momentum']:g} × {f(v_old)} + {f(g)} = {f(st['v'])};  "
            f"w = {f(w0)} − {lr:g} × {f(st['v'])} = {f(w1)}"
        )
    if key == "adagrad":
        s_old = before.state.get("s", 0.0)
        return (
            f"s = {f(s_old)} + {f(g)}² = {f(st['s'])};  "
            f"w = {f(w0)} − {lr:g} × {f(g)} / √{f(st['s'])} = {f(w1)}"
        )
    if key == "rmsprop":
        s_old = before.state.get("s", 0.0)
        a = p["alpha"]
        return (
            f"s = {a:g} × {f(s_old)} + {1 - a:.6g} × {f(g)}² = {f(st['s'])};  "
            f"w = {f(w0)} − {lr:g} × {f(g)} / √{f(st['s'])} = {f(w1)}"
        )
    if key == "adam":
        b1, b2 = p["beta1"], p["beta2"]
        m_old, v_old = before.state.get("m", 0.0), before.state.get("v", 0.0)
        t = after.step
        return (
            f"m = {b1:g} × {f(m_old)} + {1 - b1:.6g} × {f(g)} = {f(st['m'])};  "
            f"v = {b2:g} × {f(v_old)} + {1 - b2:.6g} × {f(g)}² = {f(st['v'])};  "
            f"m_hat = {f(st['m'])} / (1 − {b1:g}^{t}) = {f(st['m_hat'])};  "
            f"v_hat = {f(st['v'])} / (1 − {b2:g}^{t}) = {f(st['v_hat'])};  "
            f"w = {f(w0)} − {lr:g} × {f(st['m_hat'])} / √{f(st['v_hat'])} = {f(w1)}"
        )
    raise KeyError(key)


def number(v: float) -> str:
    """Six decimals like the lesson (0.982965); tiny values keep six significant digits."""
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    if abs(v) >= 0.01:
        text = f"{v:.6f}"
        # The lesson writes 0.99 and 0.9711, not 0.990000: trailing zeros add nothing here.
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"{v:.6g}"


__all__ = [
    "LESSON_OPTIMIZERS",
    "MAX_STEPS",
    "SYMBOLS",
    "OptimizerLesson",
    "StepRow",
    "hand_line",
    "hand_steps",
    "lesson_optimizer",
    "number",
    "run_optimizer",
]

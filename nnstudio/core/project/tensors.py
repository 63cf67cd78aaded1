"""Weights and optimiser/schedule state as safetensors + JSON: data only, never pickle.

``torch.save``/``torch.load`` would pickle, and unpickling a file from a stranger runs their
code. safetensors holds nothing but named arrays; the rest of an optimiser's state is plain
JSON. Non-finite floats in JSON are tagged (``{"$float": "inf"}``) so files stay strict JSON.

Optimiser and scheduler states end up inside torch objects (``load_state_dict`` copies param
groups, schedulers even ``__dict__.update`` whatever they are given), so a saved state is
never handed over as read: :func:`conform` rebuilds it along a *reference* state made by the
same optimiser and schedule on the same network, keeping only keys torch itself produced and
values of the types it produced, with tensors of the shapes and dtypes it produced.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from nnstudio.core.errors import ProjectError

_FLOAT_TAG = "$float"


# --- safetensors ----------------------------------------------------------------------------


def encode_tensors(tensors: Mapping[str, torch.Tensor]) -> bytes:
    return st_save({k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()})


def decode_tensors(data: bytes, what: str) -> dict[str, torch.Tensor]:
    """The named tensors in ``data``; safetensors parses a JSON header and copies arrays."""
    try:
        return dict(st_load(bytes(data)))
    except (SafetensorError, ValueError, RuntimeError, TypeError, OverflowError, KeyError) as exc:
        raise ProjectError(
            f"{what} is damaged or not a safetensors file ({_short(str(exc))}); open a "
            "backup, or ask whoever sent the project for a fresh copy"
        ) from None


# --- optimiser state ------------------------------------------------------------------------


def encode_optimizer(state: Mapping[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """Split ``optimizer.state_dict()`` into safetensors bytes and a JSON-safe dict."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, Any] = {}
    for index, entries in state.get("state", {}).items():
        for key, value in entries.items():
            name = f"{int(index)}.{key}"
            if isinstance(value, torch.Tensor):
                tensors[name] = value
            else:
                scalars[name] = value
    meta = {"param_groups": json_safe(state.get("param_groups", [])), "scalars": json_safe(scalars)}
    return encode_tensors(tensors), meta


def decode_optimizer(data: bytes | None, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The optimiser state as stored (not yet checked against a network: see conform)."""
    tensors = decode_tensors(data, "optimizer.safetensors") if data else {}
    scalars = from_json_safe(meta.get("scalars", {}))
    if not isinstance(scalars, dict):
        raise ProjectError('the optimiser state\'s "scalars" must be an object')
    state: dict[int, dict[str, Any]] = {}
    for name, value in [*tensors.items(), *scalars.items()]:
        index, _, key = name.partition(".")
        if not (index.isascii() and index.isdigit()) or len(index) > 9 or not key:
            raise ProjectError(
                f"the optimiser state holds an entry named {_short(repr(name))}; entries are "
                "named <parameter number>.<name>"
            )
        state.setdefault(int(index), {})[key] = value
    groups = from_json_safe(meta.get("param_groups", []))
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise ProjectError("the optimiser state's param_groups must be a list of objects")
    return {"state": state, "param_groups": groups}


def reference_optimizer_state(
    params: Sequence[torch.nn.Parameter], build: Callable[[list[torch.nn.Parameter]], Any]
) -> tuple[Any, dict[str, Any]]:
    """An optimiser on ``params`` after one zero-gradient step, and its state dict.

    The step makes torch create every state entry (Adam's ``exp_avg``, ``step``, ...), so a
    saved state can be compared with what this optimiser really keeps. ``params`` must be
    throw-away copies: weight decay moves them.
    """
    optimizer = build(list(params))
    for p in params:
        p.grad = torch.zeros_like(p)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return optimizer, optimizer.state_dict()


def conform_optimizer(
    saved: Mapping[str, Any], reference: Mapping[str, Any], labels: Sequence[str]
) -> dict[str, Any]:
    """``saved`` rebuilt along ``reference`` (same optimiser on the same network), or refused.

    ``labels`` name each parameter (``dense_1.weight``) for messages.
    """

    def label(index: int) -> str:
        return labels[index] if 0 <= index < len(labels) else f"parameter {index}"

    ref_groups = reference["param_groups"]
    groups = saved.get("param_groups", [])
    if len(groups) != len(ref_groups):
        raise ProjectError(
            f"the optimiser state has {len(groups)} parameter groups but the optimiser has "
            f"{len(ref_groups)}: the file is damaged"
        )
    out_groups = []
    for i, (group, ref) in enumerate(zip(groups, ref_groups, strict=True)):
        params = group.get("params")
        if not isinstance(params, list) or len(params) != len(ref["params"]):
            raise ProjectError(
                f"the optimiser state covers {_count(params)} parameters but the network "
                f"trains {len(ref['params'])} (layers were frozen, unfrozen or changed after "
                "training): train it again"
            )
        if params != ref["params"]:
            raise ProjectError(
                f"the optimiser state numbers its parameters {_short(repr(params), 60)} "
                f"instead of {_short(repr(ref['params']), 60)}: the file is damaged"
            )
        settings = {k: v for k, v in group.items() if k != "params"}
        kept = conform(settings, {k: v for k, v in ref.items() if k != "params"}, f"group {i}")
        out_groups.append({**ref, **kept, "params": list(ref["params"])})
    ref_state = reference["state"]
    out_state: dict[int, dict[str, Any]] = {}
    for index, entries in saved.get("state", {}).items():
        if index not in ref_state and not any(index in g["params"] for g in ref_groups):
            raise ProjectError(
                f"the optimiser state holds parameter number {index}, but the network trains "
                f"only {len(labels)}: the file is damaged"
            )
        ref_entries = ref_state.get(index, {})
        kept = {}
        for key, value in entries.items():
            if key not in ref_entries:
                continue  # kept by another optimiser or torch version: not ours to restore
            ref = ref_entries[key]
            where = f"{label(index)} ({key})"
            if isinstance(ref, torch.Tensor):
                kept[key] = _conform_tensor(value, ref, where)
            else:
                kept[key] = conform(value, ref, where)
        lacking = [k for k in ref_entries if k not in kept]
        if kept and lacking:
            raise ProjectError(
                f"the optimiser state of {label(index)} lacks {lacking[0]!r}: the file is damaged"
            )
        if kept:
            out_state[index] = kept
    return {"state": out_state, "param_groups": out_groups}


def _conform_tensor(value: Any, ref: torch.Tensor, where: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise ProjectError(f"the optimiser state of {where} must be an array, not a number")
    if tuple(value.shape) != tuple(ref.shape) or value.dtype != ref.dtype:
        raise ProjectError(
            f"the optimiser state of {where} is {value.dtype} {list(value.shape)} but the "
            f"network needs {ref.dtype} {list(ref.shape)}: the file is damaged"
        )
    if value.is_floating_point() and not bool(torch.isfinite(value).all()):
        raise ProjectError(f"the optimiser state of {where} contains NaN or infinite values")
    return value


def _count(params: Any) -> str:
    return str(len(params)) if isinstance(params, list) else "no"


# --- conforming JSON-borne state ------------------------------------------------------------


def conform(saved: Any, ref: Any, where: str) -> Any:
    """``saved`` converted to the shape of ``ref`` (a state torch made), or ProjectError.

    Keys ``ref`` lacks are dropped (another torch version kept them); values must have the
    kind of ``ref``'s value (numbers stay numbers, flags flags, text equal text); tuples and
    integer-keyed counters are rebuilt as such, so restored state is what torch expects.
    """
    if ref is None:
        if saved is None or (isinstance(saved, (bool, int, float))):
            return saved
        raise _mismatch(where, saved, "empty (null)")
    if isinstance(ref, bool):
        if isinstance(saved, bool):
            return saved
        raise _mismatch(where, saved, "true or false")
    if isinstance(ref, (int, float)):
        if isinstance(saved, bool) or not isinstance(saved, (int, float)):
            raise _mismatch(where, saved, "a number")
        if isinstance(ref, int):
            if isinstance(saved, float) and not (math.isfinite(saved) and saved.is_integer()):
                raise _mismatch(where, saved, "a whole number")
            return int(saved)
        return float(saved)
    if isinstance(ref, str):
        if saved != ref:
            raise _mismatch(where, saved, repr(ref))
        return saved
    if isinstance(ref, Mapping):
        if not isinstance(saved, Mapping):
            raise _mismatch(where, saved, "an object")
        if isinstance(ref, Counter) or (ref and not all(isinstance(k, str) for k in ref)):
            return _conform_counter(saved, ref, where)
        return {k: conform(v, ref[k], f"{where}.{k}") for k, v in saved.items() if k in ref}
    if isinstance(ref, (list, tuple)):
        if not isinstance(saved, list):
            raise _mismatch(where, saved, "a list")
        if len(saved) > 100_000:
            raise _mismatch(where, f"a list of {len(saved)} items", "a short list")
        if ref:
            items = [
                conform(v, ref[min(i, len(ref) - 1)], f"{where}[{i}]") for i, v in enumerate(saved)
            ]
        else:
            items = [conform(v, 0.0, f"{where}[{i}]") for i, v in enumerate(saved)]
        return tuple(items) if isinstance(ref, tuple) else items
    raise _mismatch(where, saved, type(ref).__name__)  # pragma: no cover - torch state kinds


def _conform_counter(saved: Mapping[str, Any], ref: Mapping[Any, Any], where: str) -> Any:
    """Integer-keyed mappings (MultiStepLR's milestone counter) come back with integer keys."""
    value_ref = next(iter(ref.values()), 0)
    out: dict[int, Any] = {}
    for key, value in saved.items():
        text = str(key)
        if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 12:
            raise _mismatch(f"{where} key", key, "a whole number")
        out[int(text)] = conform(value, value_ref, f"{where}[{text}]")
    return Counter(out) if isinstance(ref, Counter) else out


def _mismatch(where: str, saved: Any, wanted: str) -> ProjectError:
    return ProjectError(
        f"the saved training state is damaged: {where} is {_short(repr(saved), 60)} where "
        f"NN Studio expects {wanted}; reset the training to open it cleanly"
    )


# --- JSON helpers ---------------------------------------------------------------------------


def json_safe(value: Any) -> Any:
    """Tuples → lists, tensors → numbers/lists, inf/NaN → tagged objects; refuses the rest.

    Refusing (instead of storing ``repr``) keeps a file from holding text where the reader
    expects numbers.
    """
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {_FLOAT_TAG: repr(value)}
    if isinstance(value, torch.Tensor):
        return json_safe(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return json_safe(value.item())
    raise ProjectError(f"cannot store {type(value).__name__} values in a project file")


def from_json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_FLOAT_TAG} and value[_FLOAT_TAG] in ("inf", "-inf", "nan"):
            return float(value[_FLOAT_TAG])
        return {k: from_json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json_safe(v) for v in value]
    return value


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

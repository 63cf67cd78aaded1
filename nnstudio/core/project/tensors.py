"""Weights and optimiser state as safetensors + JSON: data only, never pickle.

``torch.save``/``torch.load`` would pickle, and unpickling a file from a stranger runs their
code. safetensors holds nothing but named arrays; the rest of an optimiser's state is plain
JSON. Non-finite floats in JSON are tagged (``{"$float": "inf"}``) so files stay strict JSON.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from nnstudio.core.errors import ProjectError

PREFIX = "layers."


def encode_tensors(tensors: Mapping[str, torch.Tensor]) -> bytes:
    return st_save({k: v.detach().cpu().contiguous() for k, v in tensors.items()})


def decode_tensors(data: bytes, what: str) -> dict[str, torch.Tensor]:
    try:
        return st_load(data)
    except (SafetensorError, ValueError, RuntimeError, TypeError, OverflowError) as exc:
        raise ProjectError(f"{what} is damaged or not a safetensors file ({exc})") from None


def model_weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """``<node_id>.<param>`` → tensor, including buffers such as BatchNorm running stats."""
    return {
        k[len(PREFIX) :] if k.startswith(PREFIX) else k: v.detach().cpu().clone()
        for k, v in model.state_dict().items()
    }


def check_weights(
    model: torch.nn.Module, weights: Mapping[str, torch.Tensor], names: Mapping[str, str]
) -> None:
    """Refuse weights that do not fit the network exactly or hold NaN/inf."""
    expected = model_weights(model)

    def label(key: str) -> str:
        node, _, param = key.partition(".")
        return f"{names.get(node, node)}.{param}"

    missing = [k for k in expected if k not in weights]
    extra = [k for k in weights if k not in expected]
    if extra:
        raise ProjectError(
            f"the saved weights include {label(extra[0])!s}, which this network does not have"
        )
    if missing:
        raise ProjectError(f"the saved weights lack {label(missing[0])}")
    for key, ref in expected.items():
        got = weights[key]
        if tuple(got.shape) != tuple(ref.shape):
            raise ProjectError(
                f"the saved weights for {label(key)} have shape "
                f"{list(got.shape)} but the network needs {list(ref.shape)}"
            )
        if got.dtype != ref.dtype:
            raise ProjectError(
                f"the saved weights for {label(key)} are {got.dtype}, expected {ref.dtype}"
            )
        if got.is_floating_point() and not bool(torch.isfinite(got).all()):
            raise ProjectError(f"the saved weights for {label(key)} contain NaN or infinite values")


def load_into(model: torch.nn.Module, weights: Mapping[str, torch.Tensor]) -> None:
    model.load_state_dict({PREFIX + k: v for k, v in weights.items()})


def encode_optimizer(state: Mapping[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """Split ``optimizer.state_dict()`` into safetensors bytes and a JSON-safe dict."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, Any] = {}
    for index, entries in state.get("state", {}).items():
        for key, value in entries.items():
            name = f"{index}.{key}"
            if isinstance(value, torch.Tensor):
                tensors[name] = value
            else:
                scalars[name] = value
    meta = {"param_groups": json_safe(state.get("param_groups", [])), "scalars": json_safe(scalars)}
    return encode_tensors(tensors), meta


def decode_optimizer(data: bytes | None, meta: Mapping[str, Any]) -> dict[str, Any]:
    tensors = decode_tensors(data, "optimizer.safetensors") if data else {}
    state: dict[int, dict[str, Any]] = {}
    items = list(tensors.items()) + list(from_json_safe(meta.get("scalars", {})).items())
    for name, value in items:
        index, _, key = name.partition(".")
        if not index.isdigit() or not key:
            raise ProjectError(f"optimizer state entry {name!r} is not '<index>.<name>'")
        state.setdefault(int(index), {})[key] = value
    groups = from_json_safe(meta.get("param_groups", []))
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise ProjectError("optimizer param_groups must be a list of objects")
    return {"state": state, "param_groups": groups}


def json_safe(value: Any) -> Any:
    """Tuples → lists, tensors → numbers/lists, inf/NaN → tagged objects."""
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, torch.Tensor):
        return json_safe(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return repr(value)


def from_json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$float"} and value["$float"] in ("inf", "-inf", "nan"):
            return float(value["$float"])
        return {k: from_json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json_safe(v) for v in value]
    return value

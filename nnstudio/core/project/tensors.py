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

import json
import math
import struct
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from safetensors import SafetensorError

from nnstudio.core.errors import ProjectError
from nnstudio.core.lazy import is_tensor, lazy_module
from nnstudio.i18n import _

torch = lazy_module("torch", globals())
#: safetensors' torch side (it imports torch), read when a file's weights are.
safetensors_torch = lazy_module("safetensors.torch", globals(), "safetensors_torch")

_FLOAT_TAG = "$float"


# --- safetensors ----------------------------------------------------------------------------


def encode_tensors(tensors: Mapping[str, torch.Tensor]) -> bytes:
    return safetensors_torch.save(
        {k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()}
    )


#: A header (tensor names, dtypes, shapes, offsets and free-form metadata) larger than this is
#: not a project's: a thousand layers' entries take about a tenth of it.
MAX_HEADER_BYTES = 1024 * 1024
#: The free-form ``__metadata__`` of a safetensors header: NN Studio writes none, other tools
#: a few short strings. More, or longer, is refused (naming the entry).
MAX_METADATA_ENTRIES = 64
MAX_METADATA_CHARS = 1000


def read_header(head: Callable[[int], bytes], size: int, what: str) -> tuple[dict[str, Any], int]:
    """The safetensors header of a member, read through ``head(n)`` (its first ``n`` bytes),
    and how many bytes of numbers follow it in a member of ``size`` bytes.

    Reads at most :data:`MAX_HEADER_BYTES` and checks the metadata's size, so a crafted
    header (a 50 MB "metadata" string) is refused without reading the numbers after it.
    """
    first = head(8)
    if len(first) < 8:
        raise ProjectError(
            _("{what} is damaged or not a safetensors file (it is {n} bytes long)").format(
                what=what, n=len(first)
            )
        )
    length = struct.unpack("<Q", first)[0]
    if 8 + length > size:
        raise ProjectError(
            _(
                "{what} is damaged or not a safetensors file (its header claims more bytes "
                "than the file holds)"
            ).format(what=what)
        )
    if length > MAX_HEADER_BYTES:
        raise ProjectError(
            _(
                "{what}: its header (tensor names, shapes and metadata) is too large: {size:,} "
                "bytes, at most {limit:,} are allowed"
            ).format(what=what, size=length, limit=MAX_HEADER_BYTES)
        )
    try:
        header = json.loads(head(8 + length)[8:].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProjectError(
            _("{what} is damaged or not a safetensors file ({problem})").format(
                what=what, problem=_short(str(exc))
            )
        ) from None
    if not isinstance(header, dict):
        raise ProjectError(_("{what} is damaged or not a safetensors file").format(what=what))
    _check_metadata(header.get("__metadata__"), what)
    return header, size - 8 - length


def _check_metadata(metadata: Any, what: str) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise ProjectError(_("{what}: its metadata must be an object of texts").format(what=what))
    if len(metadata) > MAX_METADATA_ENTRIES:
        raise ProjectError(
            _(
                "{what}: its metadata is too large: {size:,} entries, at most {limit:,} are allowed"
            ).format(what=what, size=len(metadata), limit=MAX_METADATA_ENTRIES)
        )
    for key, value in metadata.items():
        for text in (key, value):
            if isinstance(text, str) and len(text) > MAX_METADATA_CHARS:
                raise ProjectError(
                    _(
                        "{what}: metadata entry {key} is too large: {size:,} characters, at "
                        "most {limit:,} are allowed"
                    ).format(
                        what=what,
                        key=_short(repr(key), 40),
                        size=len(text),
                        limit=MAX_METADATA_CHARS,
                    )
                )


def decode_tensors(data: bytes, what: str) -> dict[str, torch.Tensor]:
    """The named tensors in ``data``; safetensors parses a JSON header and copies arrays."""
    try:
        return dict(safetensors_torch.load(bytes(data)))
    except (SafetensorError, ValueError, RuntimeError, TypeError, OverflowError, KeyError) as exc:
        raise ProjectError(
            _(
                "{what} is damaged or not a safetensors file ({problem}); open a backup, or ask "
                "whoever sent the project for a fresh copy"
            ).format(what=what, problem=_short(str(exc)))
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
        raise ProjectError(_('the optimiser state\'s "scalars" must be an object'))
    state: dict[int, dict[str, Any]] = {}
    for name, value in [*tensors.items(), *scalars.items()]:
        index, _dot, key = name.partition(".")
        if not (index.isascii() and index.isdigit()) or len(index) > 9 or not key:
            raise ProjectError(
                _(
                    "the optimiser state holds an entry named {name}; entries are named "
                    "<parameter number>.<name>"
                ).format(name=_short(repr(name)))
            )
        state.setdefault(int(index), {})[key] = value
    groups = from_json_safe(meta.get("param_groups", []))
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise ProjectError(_("the optimiser state's param_groups must be a list of objects"))
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
        if 0 <= index < len(labels):
            return labels[index]
        return _("parameter {number}").format(number=index)

    ref_groups = reference["param_groups"]
    groups = saved.get("param_groups", [])
    if len(groups) != len(ref_groups):
        raise ProjectError(
            _(
                "the optimiser state has {saved} parameter groups but the optimiser has "
                "{wanted}: the file is damaged"
            ).format(saved=len(groups), wanted=len(ref_groups))
        )
    out_groups = []
    for i, (group, ref) in enumerate(zip(groups, ref_groups, strict=True)):
        params = group.get("params")
        if not isinstance(params, list) or len(params) != len(ref["params"]):
            if isinstance(params, list):
                message = _(
                    "the optimiser state covers {saved} parameters but the network trains "
                    "{wanted} (layers were frozen, unfrozen or changed after training): train "
                    "it again"
                )
            else:
                message = _(
                    "the optimiser state covers no parameters but the network trains {wanted} "
                    "(layers were frozen, unfrozen or changed after training): train it again"
                )
            saved = len(params) if isinstance(params, list) else 0
            raise ProjectError(message.format(saved=saved, wanted=len(ref["params"])))
        if params != ref["params"]:
            raise ProjectError(
                _(
                    "the optimiser state numbers its parameters {saved} instead of {wanted}: the "
                    "file is damaged"
                ).format(saved=_short(repr(params), 60), wanted=_short(repr(ref["params"]), 60))
            )
        settings = {k: v for k, v in group.items() if k != "params"}
        group_name = _("group {number}").format(number=i)
        kept = conform(settings, {k: v for k, v in ref.items() if k != "params"}, group_name)
        out_groups.append({**ref, **kept, "params": list(ref["params"])})
    ref_state = reference["state"]
    out_state: dict[int, dict[str, Any]] = {}
    for index, entries in saved.get("state", {}).items():
        if index not in ref_state and not any(index in g["params"] for g in ref_groups):
            raise ProjectError(
                _(
                    "the optimiser state holds parameter number {index}, but the network trains "
                    "only {n}: the file is damaged"
                ).format(index=index, n=len(labels))
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
                _("the optimiser state of {parameter} lacks {key!r}: the file is damaged").format(
                    parameter=label(index), key=lacking[0]
                )
            )
        if kept:
            out_state[index] = kept
    return {"state": out_state, "param_groups": out_groups}


def _conform_tensor(value: Any, ref: torch.Tensor, where: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise ProjectError(
            _("the optimiser state of {where} must be an array, not a number").format(where=where)
        )
    if tuple(value.shape) != tuple(ref.shape) or value.dtype != ref.dtype:
        raise ProjectError(
            _(
                "the optimiser state of {where} is {dtype} {shape} but the network needs "
                "{wanted_dtype} {wanted_shape}: the file is damaged"
            ).format(
                where=where,
                dtype=value.dtype,
                shape=list(value.shape),
                wanted_dtype=ref.dtype,
                wanted_shape=list(ref.shape),
            )
        )
    if value.is_floating_point() and not bool(torch.isfinite(value).all()):
        raise ProjectError(
            _("the optimiser state of {where} contains NaN or infinite values").format(where=where)
        )
    return value


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
        raise _mismatch(where, saved, _("empty (null)"))
    if isinstance(ref, bool):
        if isinstance(saved, bool):
            return saved
        raise _mismatch(where, saved, _("true or false"))
    if isinstance(ref, (int, float)):
        if isinstance(saved, bool) or not isinstance(saved, (int, float)):
            raise _mismatch(where, saved, _("a number"))
        if isinstance(ref, int):
            if isinstance(saved, float) and not (math.isfinite(saved) and saved.is_integer()):
                raise _mismatch(where, saved, _("a whole number"))
            return int(saved)
        return float(saved)
    if isinstance(ref, str):
        if saved != ref:
            raise _mismatch(where, saved, repr(ref))
        return saved
    if isinstance(ref, Mapping):
        if not isinstance(saved, Mapping):
            raise _mismatch(where, saved, _("an object"))
        if isinstance(ref, Counter) or (ref and not all(isinstance(k, str) for k in ref)):
            return _conform_counter(saved, ref, where)
        return {k: conform(v, ref[k], f"{where}.{k}") for k, v in saved.items() if k in ref}
    if isinstance(ref, (list, tuple)):
        if not isinstance(saved, list):
            raise _mismatch(where, saved, _("a list"))
        if len(saved) > 100_000:
            raise _mismatch(where, _("a list of {n} items").format(n=len(saved)), _("a short list"))
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
            raise _mismatch(_("{where} key").format(where=where), key, _("a whole number"))
        out[int(text)] = conform(value, value_ref, f"{where}[{text}]")
    return Counter(out) if isinstance(ref, Counter) else out


def _mismatch(where: str, saved: Any, wanted: str) -> ProjectError:
    return ProjectError(
        _(
            "the saved training state is damaged: {where} is {saved} where NN Studio expects "
            "{wanted}; reset the training to open it cleanly"
        ).format(where=where, saved=_short(repr(saved), 60), wanted=wanted)
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
    if is_tensor(value):
        return json_safe(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return json_safe(value.item())
    raise ProjectError(
        _("cannot store {type} values in a project file").format(type=type(value).__name__)
    )


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

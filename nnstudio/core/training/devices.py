"""Whether this machine can train on a CUDA GPU, asked without importing torch.

Why: the training panel lists the devices as soon as the window opens, and the app is ready
to train before torch is imported in its process (see ``gui/preload.py``). Until torch is
there the answer is "not known yet" (None); the panel then offers Auto and CPU (and CUDA if
the project asks for it) and lists again once torch has arrived.
"""

from __future__ import annotations

from nnstudio.core.lazy import imported


def cuda_available() -> bool | None:
    """True or False once torch is imported (completely) in this process; None before."""
    torch = imported("torch")
    return None if torch is None else bool(torch.cuda.is_available())

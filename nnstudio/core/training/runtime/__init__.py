"""The training runtime: a run trained in its own process (or a thread) and watched live.

- :mod:`.protocol` — the :class:`Message` names, how a message crosses the pipe, and the
  trust boundary (who may connect, when pickle is read);
- :mod:`.batching` — :class:`EventBatcher` paces a run's reports and adds the live snapshots
  of :class:`WatchOptions`; :func:`run_job` trains a watched job (child, thread or race alike);
- :mod:`.child` — the training process: ``python -m nnstudio.core.training.runtime.child``;
- :mod:`.client` — the app's side: :class:`TrainingProcess` starts the child and talks to it,
  :class:`RemoteControl` steers its run.

Names load on first use (see :mod:`nnstudio.core.lazy`): the child imports this package, and
must connect to the app before torch is imported.
"""

from __future__ import annotations

from nnstudio.core.lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "AuthenticationFailed": "client",
        "CommandSender": "client",
        "EMIT_INTERVAL": "batching",
        "EventBatcher": "batching",
        "LiveProbes": "batching",
        "Message": "protocol",
        "PROBE_INTERVAL": "batching",
        "ProcessEnded": "client",
        "RemoteControl": "client",
        "TrainingProcess": "client",
        "TrainingProcessError": "client",
        "UnknownMessage": "protocol",
        "WatchOptions": "batching",
        "receive": "protocol",
        "run_job": "batching",
        "send": "protocol",
        "slim_data": "client",
        "worker_threads": "batching",
    },
)

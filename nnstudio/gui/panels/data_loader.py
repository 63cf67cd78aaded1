"""Reading data off the GUI thread, with a progress dialog that can cancel it.

A CSV file of tens of megabytes takes seconds to read and to prepare; on the GUI thread the
window would freeze with no way out. :class:`BackgroundRead` runs one Qt-free job at a time
in a Python thread (the job only reads files and computes; it never touches a widget or the
project), shows a progress dialog with Cancel when the job is still running after
:data:`PROGRESS_DELAY_MS`, and hands the result back on the GUI thread through a queued
signal. Cancelling asks the job to stop (its ``should_stop`` answers True, and the core's
read raises :class:`~nnstudio.core.errors.Cancelled` at its next check) and forgets it at
once: whatever it still returns is dropped, so the project is never touched by a cancelled
read. A newer read replaces a running one the same way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from nnstudio.core.errors import Cancelled
from nnstudio.i18n import _

log = logging.getLogger(__name__)

#: How long a read runs before the progress dialog appears: a quick read shows nothing.
PROGRESS_DELAY_MS = 500

#: A job: given its ``should_stop`` question, returns a result or raises Cancelled.
Job = Callable[[Callable[[], bool]], Any]


class _Ticket:
    """One started job: its stop flag, what to do with its result and what Cancel keeps."""

    def __init__(
        self, label: str, on_done: Callable[[Any], None], cancel_note: str, cancelled_text: str
    ) -> None:
        self.label = label
        self.on_done = on_done
        self.cancel_note = cancel_note
        self.cancelled_text = cancelled_text
        self.stop = threading.Event()


class BackgroundRead(QObject):
    """One read at a time in a worker thread, with a delayed progress dialog and Cancel.

    ``finished(bool)`` is emitted on the GUI thread when a job's result was handed over
    (True) or the job was cancelled (False): tests and callers wait on it; ``cancelled``
    carries the status line that says what the cancelled read left as it was.
    """

    finished = Signal(bool)
    #: A job was cancelled by the user; the status line saying what was kept.
    cancelled = Signal(str)
    _job_done = Signal(object, object)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self._ticket: _Ticket | None = None
        #: The dialog shown while a slow job runs (None when none is shown).
        self.progress_dialog: QProgressDialog | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PROGRESS_DELAY_MS)
        self._timer.timeout.connect(self._show_progress)
        self._job_done.connect(self._on_job_done, Qt.ConnectionType.QueuedConnection)

    def busy(self) -> bool:
        """Whether a job is running and its result still wanted."""
        return self._ticket is not None

    def label(self) -> str:
        """What the running job reads (for the status bar), or ""."""
        return self._ticket.label if self._ticket is not None else ""

    def start(
        self,
        label: str,
        job: Job,
        on_done: Callable[[Any], None],
        *,
        cancel_note: str | None = None,
        cancelled_text: str | None = None,
    ) -> None:
        """Run ``job`` in a worker thread; ``on_done(result)`` runs on the GUI thread after.

        ``label`` names what is read in the progress dialog; ``cancel_note`` (translated)
        tells what Cancel keeps, which depends on the caller: the data in use for a data
        load (the default), the open project for File → Open, the current step for Undo;
        ``cancelled_text`` (translated, ``{name}`` for ``label``) is the status line after a
        Cancel, saying the same.
        A job still running is cancelled first (its result will be dropped).
        """
        self._drop()
        if cancel_note is None:
            cancel_note = _("Cancel keeps the data you have now.")
        if cancelled_text is None:
            cancelled_text = _("Reading {name} was cancelled; the data is unchanged.")
        ticket = _Ticket(label, on_done, cancel_note, cancelled_text.format(name=label))
        self._ticket = ticket
        thread = threading.Thread(
            target=self._work, args=(ticket, job), name="nnstudio-data-read", daemon=True
        )
        thread.start()
        self._timer.start()

    def cancel(self) -> bool:
        """Stop the running job and forget it; False when none was running."""
        if self._ticket is None:
            return False
        text = self._ticket.cancelled_text
        self._drop()
        self.cancelled.emit(text)
        self.finished.emit(False)
        return True

    def _drop(self) -> None:
        ticket, self._ticket = self._ticket, None
        if ticket is not None:
            ticket.stop.set()
        self._timer.stop()
        self._close_progress()

    def _work(self, ticket: _Ticket, job: Job) -> None:
        """The worker thread: run the job, hand its result (or exception) back."""
        try:
            result: Any = job(ticket.stop.is_set)
        except Cancelled:
            return
        except BaseException as exc:  # a bug in a job is reported on the GUI thread
            result = exc
        try:
            self._job_done.emit(ticket, result)
        except RuntimeError:
            # The window closed while the file was read: nobody is left to tell.
            log.debug("data read finished after its window closed")

    @Slot(object, object)
    def _on_job_done(self, ticket: _Ticket, result: Any) -> None:
        if ticket is not self._ticket:
            return  # cancelled or replaced: the project must not change
        self._ticket = None
        self._timer.stop()
        self._close_progress()
        if isinstance(result, BaseException):
            raise result
        ticket.on_done(result)
        self.finished.emit(True)

    def _show_progress(self) -> None:
        if self._ticket is None:
            return
        dialog = QProgressDialog(self._parent)
        dialog.setWindowTitle(_("Reading data"))
        reading = _("Reading and preparing {name}…").format(name=self._ticket.label)
        dialog.setLabelText(f"{reading}\n{self._ticket.cancel_note}")
        dialog.setCancelButtonText(_("Cancel"))
        dialog.setRange(0, 0)  # no honest percentage: a busy bar
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.canceled.connect(self.cancel)
        self.progress_dialog = dialog
        dialog.show()

    def _close_progress(self) -> None:
        dialog, self.progress_dialog = self.progress_dialog, None
        if dialog is not None:
            dialog.canceled.disconnect(self.cancel)
            dialog.hide()
            dialog.deleteLater()


__all__ = ["PROGRESS_DELAY_MS", "BackgroundRead"]

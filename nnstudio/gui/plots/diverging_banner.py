"""The warning above the training plots when a run is diverging, with the way out.

A run whose loss climbs away from its best (SGD at a learning rate far too high) often keeps
going for many epochs before it becomes NaN — or never does, and "finishes" with weights far
worse than the ones it had. The core notices it (:class:`~nnstudio.core.training.safety.
DivergenceWatch`) and reports a :class:`~nnstudio.core.training.safety.Diverging` once; this
banner says so in plain words while the run is still going and offers to stop it with the
weights of the epoch that had the lowest training loss. It never interrupts: the user may
dismiss it and watch the run on. When the run has ended, the banner keeps the run's closing
message (which epoch's weights were kept) until the next run or until dismissed.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from nnstudio.core.training.safety import Diverging
from nnstudio.gui.widgets.banner import BannerMessage, ProblemBanner
from nnstudio.i18n import _

__all__ = ["DivergingBanner"]


class DivergingBanner(ProblemBanner):
    """A warning banner with "Stop and keep best weights" and "Dismiss".

    ``stop_requested`` asks the window to stop the run with the best weights; the banner does
    not know the training controller.
    """

    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemBanner")
        #: The warning shown (None: nothing, or the run has ended).
        self.found: Diverging | None = None
        row = QWidget(self)
        line = QHBoxLayout(row)
        line.setContentsMargins(24, 2, 0, 0)
        line.setSpacing(6)
        self.stop_button = QPushButton(_("Stop and keep best weights"), row)
        self.stop_button.setToolTip(
            _(
                "End the run now and put back the weights of the epoch with the lowest training "
                "loss, instead of keeping whatever the blow-up leaves. Then lower the learning "
                "rate and train again."
            )
        )
        self.stop_button.clicked.connect(self._on_stop_button_clicked)
        self.dismiss_button = QPushButton(_("Dismiss"), row)
        self.dismiss_button.setToolTip(
            _(
                "Hide this message and let the run go on. A diverging run sometimes settles "
                "again, but the weights it ends with are usually worse than its best ones."
            )
        )
        self.dismiss_button.clicked.connect(self.clear)
        line.addWidget(self.stop_button)
        line.addWidget(self.dismiss_button)
        line.addStretch(1)
        self.set_footer(row)

    def show_diverging(self, found: Diverging) -> None:
        """Warn that the run is diverging, with the figures the report carries."""
        self.found = found
        self.stop_button.setEnabled(True)
        self.stop_button.setVisible(True)
        self.set_messages([BannerMessage("warning", found.text())])

    def run_ended(self, message: object) -> None:
        """The run is over: when the warning was up, it gives way to how the run ended."""
        if self.found is None:
            return
        self.found = None
        self.stop_button.setVisible(False)
        self.set_messages([BannerMessage("info", message)])  # type: ignore[arg-type]

    def clear(self) -> None:
        self.found = None
        self.set_messages([])

    def _on_stop_button_clicked(self) -> None:
        # Pressed once: the stop takes a batch to arrive, a second press would say nothing new.
        self.stop_button.setEnabled(False)
        self.stop_requested.emit()

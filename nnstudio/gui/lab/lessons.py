"""What a lesson adds to the window: the Task panel, the start page, the teacher's Lock
dialog and the locks shown on the panels.

The main window decides when (a lesson opened, a project with a ``classroom`` section
replaced the last one); this module only presents. Locks are *enforced* by the document
(an edit of a locked setting is refused whichever panel makes it); disabling the controls
here only shows the student which ones the teacher locked, and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.lessons.catalogue import LESSONS, Lesson, find_lesson
from nnstudio.core.project.classroom import LOCKABLE, MAX_TASK_CHARS, Classroom
from nnstudio.gui import theme
from nnstudio.gui.widgets.labels import muted, wrapped_label
from nnstudio.gui.widgets.texts import escape_html
from nnstudio.i18n import N_, _

if TYPE_CHECKING:
    from nnstudio.gui.workbench import Workbench

#: The tooltip of a control the teacher locked; ``{setting}`` is the setting's title.
LOCKED_TIP = N_("Locked by the teacher for this lesson: {setting}")
#: Where a widget's own tooltip is kept while a lock's tooltip replaces it.
_OWN_TIP = "nnstudio_own_tooltip"


def lesson_task(classroom: Classroom) -> tuple[str, str]:
    """(title, task) to show, translated; empty texts when there is nothing to show.

    A bundled lesson whose file holds no task or the catalogue's own English one shows the
    catalogue's task in the user's language; a teacher's own words are shown as written.
    """
    item = find_lesson(classroom.lesson)
    title = _(item.title) if item is not None else ""
    task = classroom.task.strip()
    if item is not None and (not task or task == item.task):
        return title, _(item.task)
    return title, task


def lesson_number(item: Lesson) -> int:
    return [entry.key for entry in LESSONS].index(item.key) + 1


class TaskPanel(QWidget):
    """The student's task for the open lesson, large enough to read from the back row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.title_label = QLabel(self)
        self.title_label.setFont(theme.heading_font(2))
        self.title_label.setWordWrap(True)
        layout.addWidget(self.title_label)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)
        self.browser.setFont(theme.heading_font(1, bold=False))
        layout.addWidget(self.browser, 1)

    def show_task(self, title: str, task: str) -> None:
        self.title_label.setText(title)
        self.title_label.setVisible(bool(title))
        paragraphs = [p.strip() for p in task.split("\n\n") if p.strip()]
        self.browser.setHtml(
            "".join(f"<p>{escape_html(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
        )

    def text(self) -> str:
        """The task as the student reads it (plain text)."""
        return self.browser.toPlainText()


class StartPage(QDialog):
    """The lessons of the course, offered when NN Studio starts for the first time."""

    lesson_chosen = Signal(str)
    #: The "show at start" checkbox changed.
    show_at_start_changed = Signal(bool)

    def __init__(self, show_at_start: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("start_page")
        self.setWindowTitle(_("Welcome to NN Studio"))
        self.setMinimumSize(560, 460)
        layout = QVBoxLayout(self)
        heading = QLabel(_("Learn neural networks, one lesson at a time"), self)
        heading.setFont(theme.heading_font(3))
        heading.setWordWrap(True)
        layout.addWidget(heading)
        layout.addWidget(
            muted(
                wrapped_label(
                    _(
                        "Each lesson opens a project with its own views and a task. Choose "
                        "one, or close this page to build your own network. The Lessons "
                        "menu lists them all."
                    ),
                    self,
                )
            )
        )
        self.list = QListWidget(self)
        self.list.setFont(theme.heading_font(1, bold=False))
        for item in LESSONS:
            entry = QListWidgetItem(f"{lesson_number(item)}. {_(item.title)}")
            entry.setData(Qt.ItemDataRole.UserRole, item.key)
            entry.setToolTip(_(item.task))
            self.list.addItem(entry)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.open_current())
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.show_check = QCheckBox(_("Show this page when NN Studio starts"), self)
        self.show_check.setChecked(show_at_start)
        self.show_check.toggled.connect(self.show_at_start_changed)
        row.addWidget(self.show_check, 1)
        self.open_button = QPushButton(_("Open lesson"), self)
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.open_current)
        close = QPushButton(_("Close"), self)
        close.clicked.connect(self.close)
        row.addWidget(self.open_button)
        row.addWidget(close)
        layout.addLayout(row)

    def keys(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def open_current(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.lesson_chosen.emit(item.data(Qt.ItemDataRole.UserRole))
        self.close()


class LockDialog(QDialog):
    """The teacher chooses the task text, the settings to lock and the panels to hide."""

    def __init__(
        self,
        classroom: Classroom,
        panels: Mapping[str, str],
        parent: QWidget | None = None,
    ) -> None:
        """``panels`` maps each dock name to its (translated) title."""
        super().__init__(parent)
        self.setWindowTitle(_("Lock for students"))
        self._classroom = classroom
        layout = QVBoxLayout(self)
        layout.addWidget(
            muted(
                wrapped_label(
                    _(
                        "Students who open the saved project cannot change the locked "
                        "settings and do not see the hidden panels. Lessons → Unlock "
                        "(teacher) lifts it again."
                    ),
                    self,
                )
            )
        )
        task_box = QGroupBox(_("Task for the students"), self)
        task_layout = QVBoxLayout(task_box)
        self.task_edit = QPlainTextEdit(task_box)
        self.task_edit.setPlaceholderText(
            _("Leave empty to show the lesson's own task (in the student's language).")
        )
        item = find_lesson(classroom.lesson)
        own = classroom.task if item is None or classroom.task != item.task else ""
        self.task_edit.setPlainText(own)
        self.task_edit.setFixedHeight(110)
        task_layout.addWidget(self.task_edit)
        layout.addWidget(task_box)

        lock_box = QGroupBox(_("Lock these settings"), self)
        grid = QGridLayout(lock_box)
        self.lock_checks: dict[str, QCheckBox] = {}
        for index, (name, title) in enumerate(LOCKABLE.items()):
            check = QCheckBox(_(title), lock_box)
            check.setChecked(classroom.is_locked(name))
            self.lock_checks[name] = check
            grid.addWidget(check, index // 2, index % 2)
        layout.addWidget(lock_box)

        hide_box = QGroupBox(_("Hide these panels"), self)
        grid = QGridLayout(hide_box)
        self.hide_checks: dict[str, QCheckBox] = {}
        for index, (name, title) in enumerate(panels.items()):
            check = QCheckBox(title, hide_box)
            check.setChecked(name in classroom.hidden)
            self.hide_checks[name] = check
            grid.addWidget(check, index // 3, index % 3)
        layout.addWidget(hide_box)

        self.too_long = QLabel("", self)
        self.too_long.setStyleSheet(f"color: {theme.ERROR.name()};")
        self.too_long.hide()
        layout.addWidget(self.too_long)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.task_edit.textChanged.connect(self._check_length)

    def _check_length(self) -> None:
        size = len(self.task_edit.toPlainText())
        over = size > MAX_TASK_CHARS
        self.too_long.setText(
            _("The task is too long: {size} characters, at most {limit}.").format(
                size=size, limit=MAX_TASK_CHARS
            )
        )
        self.too_long.setVisible(over)
        self.ok_button.setEnabled(not over)

    def classroom(self) -> Classroom:
        """The classroom section as the teacher set it."""
        task = self.task_edit.toPlainText().strip()
        item = find_lesson(self._classroom.lesson)
        if not task and item is not None:
            task = self._classroom.task if self._classroom.task == item.task else ""
        return Classroom(
            lesson=self._classroom.lesson,
            task=task,
            locked=tuple(name for name, check in self.lock_checks.items() if check.isChecked()),
            hidden=tuple(name for name, check in self.hide_checks.items() if check.isChecked()),
        )


def lock_targets(workbench: Workbench) -> dict[str, list[QWidget]]:
    """Lockable setting → the widgets that edit it (disabled while it is locked).

    Whole groups are disabled, not single editors: a panel re-enabling one editor as it
    syncs (the batch size with the batch mode) cannot undo a disabled parent.
    """
    t = workbench.training
    return {
        "graph": [workbench.palette, workbench.inspector],
        "data": [workbench.data.scroll_area.widget()],
        "training.loss": [t.loss_combo.parentWidget()],
        "training.optimizer": [t.optimizer_combo.parentWidget()],
        "training.schedule": [t.schedule_combo.parentWidget()],
        "training.run": [t.epochs_editor.parentWidget()],
        "training.regularization": [t.l1_editor.parentWidget()],
        "training.early_stopping": [t.early_form.parentWidget()],
    }


def _set_lock_tip(widget: QWidget, text: str | None) -> None:
    """Show the teacher's ``text`` as the tooltip, or give the widget its own back."""
    own = widget.property(_OWN_TIP)
    if text is not None:
        if own is None:
            widget.setProperty(_OWN_TIP, widget.toolTip())
        widget.setToolTip(text)
    elif own is not None:
        widget.setToolTip(str(own))
        widget.setProperty(_OWN_TIP, None)


def show_locks(workbench: Workbench, locked: Iterable[str], *, training: bool) -> None:
    """Disable (with the teacher's tooltip) the controls of ``locked``, enable the rest.

    ``training`` says whether a run holds the edit lock: the canvas stays read-only then
    whatever the teacher chose. The canvas is made read-only, not disabled, so students can
    still pan, zoom and select to look at the network.
    """
    locked = set(locked)
    for name, widgets in lock_targets(workbench).items():
        tip = _(LOCKED_TIP).format(setting=_(LOCKABLE[name])) if name in locked else None
        for widget in widgets:
            _set_lock_tip(widget, tip)
            widget.setEnabled(tip is None)
    canvas = workbench.canvas
    canvas.set_read_only("graph" in locked or training)
    graph_tip = _(LOCKED_TIP).format(setting=_(LOCKABLE["graph"])) if "graph" in locked else None
    _set_lock_tip(canvas, graph_tip)


__all__ = [
    "LOCKED_TIP",
    "LockDialog",
    "StartPage",
    "TaskPanel",
    "lesson_task",
    "lock_targets",
    "show_locks",
]

"""The training panel: loss, optimiser, learning-rate schedule, batches, early stopping and
an optional target to stop at.

Every widget shows ``document.project.training`` and every user edit pushes ONE
:class:`~nnstudio.gui.commands.SetTrainingSettingsCommand` (spin-box edits of one field carry
the same ``merge_key``, so dragging a spin box is one undo step). The panel redraws from the
document's signals; while it writes model values into widgets (``_syncing``) widget signals
are ignored, so a redraw never pushes a command. Parameter editors come from the inspector's
:mod:`~nnstudio.gui.widgets.param_editors`, the same ones the layer inspector uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalogue.losses import LOSSES
from nnstudio.core.catalogue.optimizers import OPTIMIZERS
from nnstudio.core.catalogue.params import ComponentSpec, Registry
from nnstudio.core.catalogue.schedules import SCHEDULES, planned_lrs
from nnstudio.core.errors import NNStudioError
from nnstudio.core.training.devices import cuda_available
from nnstudio.core.training.training_settings import (
    EarlyStopping,
    StopTarget,
    TrainingSettings,
    settings_param,
    steps_per_epoch,
)
from nnstudio.gui import theme
from nnstudio.gui.commands import SetTrainingSettingsCommand
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.widgets.banner import BannerMessage, ProblemBanner
from nnstudio.gui.widgets.labels import (
    add_entries,
    compact_combo,
    escape_html,
    muted,
    tip_label,
    wrapped_label,
)
from nnstudio.gui.widgets.param_editors import ParamEditor, ParamForm, format_number, make_editor
from nnstudio.gui.widgets.sync import SyncGuard
from nnstudio.i18n import N_, _, ngettext, tr

#: Batch modes: (key, label, help).
BATCH_MODES = (
    (
        "full",
        N_("Full batch"),
        N_(
            "Batch gradient descent: every training row in one step per epoch. Smooth but slow "
            "to make progress, and needs memory for all rows at once."
        ),
    ),
    (
        "mini",
        N_("Mini-batch"),
        N_(
            "Mini-batch gradient descent: a few rows (32–256 is usual) per step. The usual "
            "choice: many steps per epoch with a gradient that is still fairly stable."
        ),
    ),
    (
        "single",
        N_("Single sample"),
        N_(
            "Stochastic gradient descent in its original sense: one row per step. Many noisy steps."
        ),
    ),
)
#: Settings fields edited as registry components: (registry, undo text when the entry
#: changes, undo text when one of its parameters changes).
_COMPONENTS: dict[str, tuple[Registry[Any], str, str]] = {
    "loss": (LOSSES, N_("Loss: {choice}"), N_("Set loss {parameter}")),
    "optimizer": (OPTIMIZERS, N_("Optimiser: {choice}"), N_("Set {parameter}")),
    "schedule": (SCHEDULES, N_("Schedule: {choice}"), N_("Set schedule {parameter}")),
}
#: Mini-batch size offered when switching to mini-batch with no earlier size.
DEFAULT_MINI_BATCH = 32
EARLY_FIELDS = ("enabled", "monitor", "patience", "min_delta", "restore_best")
DEVICE_HELP = N_(
    "Where to compute. Auto uses a CUDA GPU when one is present; small teaching networks "
    "are often just as fast on the CPU."
)
#: The target metrics as the panel offers them, with the value each starts from.
TARGET_CHOICES = (
    ("accuracy", N_("validation accuracy ≥"), 0.95),
    ("loss", N_("validation loss ≤"), 0.1),
)
TARGET_HELP = N_(
    "End the run at the first epoch whose validation accuracy (or loss) reaches this value, "
    "for example to see who gets to 95 % first. Without a validation split the training "
    "split's value counts."
)
#: The preview plots at most this many epochs; planning millions would freeze the panel.
MAX_PREVIEW_EPOCHS = 5000
MAX_PREVIEW_BATCHES = 50_000


def usual_lr_text(spec: ComponentSpec) -> str:
    """ "usual for Adam: 1e-4 – 1e-3", from the optimiser's rule of thumb."""
    lo, hi = getattr(spec, "usual_lr", (None, None))
    if lo is None:
        return ""
    return _("usual for {optimizer}: {low} – {high}").format(
        optimizer=_(spec.label), low=format_number(lo), high=format_number(hi)
    )


class TrainingPanel(QWidget):
    """How the network is trained; the banner says why Train cannot start yet."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.document = document
        #: Set while the panel writes model values into its widgets.
        self._syncing = SyncGuard()
        self._shown: dict[str, str] = {"loss": "", "optimizer": "", "schedule": ""}
        self._last_mini = DEFAULT_MINI_BATCH
        #: The target offered when "stop at a target" is switched on again.
        self._last_target = StopTarget()
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(30)
        self._preview_timer.timeout.connect(self.update_schedule_preview)
        #: The planned schedule currently drawn: {"epoch": …, "batch": …} or None.
        self.planned: dict[str, np.ndarray] | None = None
        self._planned_key: str | None = None
        self._build()
        document.training_settings_changed.connect(self._on_document_training_settings_changed)
        document.project_replaced.connect(self._on_document_project_replaced)
        document.data_changed.connect(self._on_document_data_changed)
        document.analysis_changed.connect(self._on_document_analysis_changed)
        self.refresh()

    # --- public API --------------------------------------------------------------------------

    @property
    def settings(self) -> TrainingSettings:
        return self.document.project.training

    def n_train(self) -> int:
        """Training rows of the prepared data (0 when none is prepared)."""
        prepared = self.document.workspace.prepared
        return prepared.n_train if prepared is not None else 0

    def steps_per_epoch(self) -> int:
        return steps_per_epoch(self.n_train(), self.settings.batch_size)

    def refresh(self) -> None:
        """Redraw every widget from the document (never pushes a command)."""
        with self._syncing:
            self._sync_loss()
            self._sync_optimizer()
            self._sync_schedule()
            self._sync_run()
            self._sync_early()
            self._sync_target()
            self._sync_device()
        self.update_schedule_preview()
        self._sync_banner()

    def advanced_boxes(self) -> tuple[QWidget, ...]:
        """The settings a lesson on the projector rarely needs (presentation mode hides them):
        the L1 penalty and where to compute."""
        return (self.regularization_box, self.device_box)

    def update_schedule_preview(self) -> None:
        """Plan the schedule with :func:`planned_lrs` and draw it (LR against epoch)."""
        self._preview_timer.stop()
        s = self.settings
        steps = true_steps = self.steps_per_epoch()
        epochs = min(s.epochs, MAX_PREVIEW_EPOCHS)
        spec = SCHEDULES.get(s.schedule["name"])
        if spec.per_batch and epochs * steps > MAX_PREVIEW_BATCHES:
            # Fewer batches per epoch draw the same curve against epochs, much faster.
            steps = max(1, MAX_PREVIEW_BATCHES // epochs)
        key = repr((sorted(s.schedule.items()), s.lr, s.epochs, epochs, true_steps, steps))
        if key == self._planned_key and self.planned is not None:
            return
        try:
            planned = planned_lrs(s.schedule, s.lr, epochs, steps)
        except NNStudioError as exc:
            self.planned, self._planned_key = None, None
            self.schedule_curve.setData([], [])
            self.schedule_batch_curve.setData([], [])
            self.schedule_caption.setText(escape_html(tr(str(exc))))
            return
        self._planned_key = key
        self.planned = planned
        x_epoch = np.arange(1, epochs + 1, dtype=float)
        self.schedule_curve.setData(x_epoch, planned["epoch"])
        if spec.per_batch:
            x_batch = 1.0 + np.arange(planned["batch"].size, dtype=float) / steps
            self.schedule_batch_curve.setData(x_batch, planned["batch"])
        else:
            self.schedule_batch_curve.setData([], [])
        self.schedule_batch_curve.setVisible(spec.per_batch)
        self._fit_schedule_range(epochs, planned)
        shown = (
            _("first {shown} of {total} epochs").format(shown=epochs, total=s.epochs)
            if epochs < s.epochs
            else _("{n} epochs").format(n=epochs)
        )
        rows = self.n_train()
        steps_text = (
            ngettext("{n:,} step per epoch", "{n:,} steps per epoch", true_steps).format(
                n=true_steps
            )
            if rows
            else _("1 step per epoch assumed (no data yet)")
        )
        if steps != true_steps:
            steps_text = _("{steps} (drawn with {n})").format(steps=steps_text, n=steps)
        moves = _("after every batch") if spec.per_batch else _("once per epoch")
        if spec.needs_metric:
            moves = _("when the validation loss stops improving (drawn flat: it cannot be planned)")
        lrs = planned["batch"] if spec.per_batch else planned["epoch"]
        first, last = (float(lrs[0]), float(lrs[-1])) if lrs.size else (s.lr, s.lr)
        peak = float(lrs.max()) if lrs.size else s.lr
        if peak > max(first, last) * (1 + 1e-9):
            values = _("starts at {first}, peaks at {peak}, ends at {last}").format(
                first=format_number(first), peak=format_number(peak), last=format_number(last)
            )
        else:
            values = _("starts at {first}, ends at {last}").format(
                first=format_number(first), last=format_number(last)
            )
        self.schedule_caption.setText(
            _("{shown} · {steps} · changes {moves} · {values}").format(
                shown=shown, steps=steps_text, moves=moves, values=values
            )
        )

    def _fit_schedule_range(self, epochs: int, planned: Mapping[str, np.ndarray]) -> None:
        """LR axis from 0 (a flat schedule would otherwise zoom into rounding noise)."""
        values = np.concatenate([planned["epoch"], planned["batch"]])
        values = values[np.isfinite(values)]
        top = float(values.max()) if values.size else 1.0
        plot = self.schedule_plot.getPlotItem()
        plot.setYRange(0.0, top * 1.08 if top > 0 else 1.0, padding=0)
        plot.setXRange(1.0, max(2.0, float(epochs) + (1.0 if self._per_batch() else 0.0)))

    def _per_batch(self) -> bool:
        return SCHEDULES.get(self.settings.schedule["name"]).per_batch

    # --- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(6)
        self.banner = ProblemBanner(self)
        outer.addWidget(self.banner)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget(scroll)
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 4, 0)
        column.setSpacing(8)
        column.addWidget(self._build_loss())
        column.addWidget(self._build_optimizer())
        column.addWidget(self._build_schedule())
        column.addWidget(self._build_run())
        self.regularization_box = self._build_regularization()
        column.addWidget(self.regularization_box)
        column.addWidget(self._build_early())
        column.addWidget(self._build_target())
        self.device_box = self._build_device()
        column.addWidget(self.device_box)
        column.addStretch(1)
        scroll.setWidget(content)
        self.scroll_area = scroll
        outer.addWidget(scroll, 1)

    def _build_loss(self) -> QGroupBox:
        box = QGroupBox(_("Loss"), self)
        box.setToolTip(
            _("The loss measures how wrong the network's outputs are; training lowers it.")
        )
        layout = QVBoxLayout(box)
        self.loss_combo, self.loss_help, self.loss_form = self._component_widgets("loss", box)
        for widget in (self.loss_combo, self.loss_help, self.loss_form):
            layout.addWidget(widget)
        return box

    def _component_widgets(self, key: str, box: QGroupBox) -> tuple[QComboBox, QLabel, ParamForm]:
        """The chooser of a loss, optimiser or schedule, its help line and its parameter form.

        The caller lays them out; edits of either become commands through :meth:`_edit`.
        """
        registry = _COMPONENTS[key][0]
        combo = compact_combo(QComboBox(box), 10)
        add_entries(combo, registry)
        combo.currentIndexChanged.connect(
            lambda index: self._on_component_combo_changed(key, combo.itemData(index))
        )
        help_label = muted(wrapped_label("", box), small=True)
        form = ParamForm((), box)
        form.changed.connect(lambda name, value: self._on_component_form_changed(key, name, value))
        return combo, help_label, form

    def _build_regularization(self) -> QGroupBox:
        box = QGroupBox(_("Regularisation"), self)
        box.setToolTip(_("Penalties that keep weights small, against overfitting."))
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        l1_spec = settings_param("l1")
        self.l1_editor = make_editor(l1_spec, self._on_l1_editor_changed, box)
        form.addRow(tip_label(_(l1_spec.title), _(l1_spec.help), box), self.l1_editor)
        note = muted(
            wrapped_label(
                _(
                    "L1 adds λ·Σ|w| to the loss (the lesson uses λ = 0.001). L2 is the "
                    "optimiser's weight decay."
                ),
                box,
            ),
            small=True,
        )
        form.addRow(note)
        return box

    def _build_optimizer(self) -> QGroupBox:
        box = QGroupBox(_("Optimiser"), self)
        box.setToolTip(_("The optimiser turns gradients into weight updates."))
        layout = QVBoxLayout(box)
        self.optimizer_combo, self.optimizer_help, self.optimizer_form = self._component_widgets(
            "optimizer", box
        )
        layout.addWidget(self.optimizer_combo)
        layout.addWidget(self.optimizer_help)

        # The learning rate is the setting that matters most: its own, larger row.
        lr_frame = QFrame(box)
        lr_frame.setObjectName("lrFrame")
        lr_frame.setStyleSheet(
            f"QFrame#lrFrame {{ background: {theme.HINT_BG.name()}; border: 1px solid "
            f"{theme.HINT_BORDER.name()}; border-radius: 4px; }}"
        )
        lr_layout = QVBoxLayout(lr_frame)
        lr_layout.setContentsMargins(8, 6, 8, 6)
        lr_layout.setSpacing(2)
        row = QHBoxLayout()
        self.lr_label = QLabel(_("Learning rate"), lr_frame)
        self.lr_label.setFont(theme.heading_font(1))
        row.addWidget(self.lr_label)
        self.lr_editor: ParamEditor = make_editor(
            OPTIMIZERS.get("adam").param("lr"), self._on_lr_editor_changed, lr_frame
        )
        self.lr_editor.spin.setFont(theme.heading_font(1, bold=False))
        self.lr_editor.spin.setMinimumWidth(90)
        row.addWidget(self.lr_editor, 1)
        lr_layout.addLayout(row)
        self.lr_hint = QLabel("", lr_frame)
        self.lr_hint.setWordWrap(True)
        lr_layout.addWidget(self.lr_hint)
        self.lr_label.setToolTip(_(self.lr_editor.spec.help))
        layout.addWidget(lr_frame)
        layout.addWidget(self.optimizer_form)
        return box

    def _build_schedule(self) -> QGroupBox:
        import pyqtgraph as pg

        box = QGroupBox(_("Learning-rate schedule"), self)
        box.setToolTip(
            _(
                "How the learning rate changes during training: big steps first, then smaller "
                "ones to settle into a minimum."
            )
        )
        layout = QVBoxLayout(box)
        self.schedule_combo, self.schedule_help, self.schedule_form = self._component_widgets(
            "schedule", box
        )
        for widget in (self.schedule_combo, self.schedule_help, self.schedule_form):
            layout.addWidget(widget)

        self.schedule_plot = pg.PlotWidget(parent=box)
        self.schedule_plot.setFixedHeight(170)
        self.schedule_plot.setMenuEnabled(False)
        self.schedule_plot.setMouseEnabled(x=False, y=False)
        self.schedule_plot.hideButtons()
        self.schedule_plot.showGrid(x=True, y=True, alpha=0.15)
        plot = self.schedule_plot.getPlotItem()
        plot.setLabel("bottom", _("epoch"))
        plot.setLabel("left", _("LR"))
        # Plain numbers: "100 (×0.001)" for a learning rate of 0.1 only confuses.
        plot.getAxis("left").enableAutoSIPrefix(False)
        # Wide enough for "0.005" and the rotated label beside it, in either language.
        plot.getAxis("left").setWidth(64)
        self.schedule_batch_curve = pg.PlotDataItem(
            pen=pg.mkPen(theme.PLANNED, width=1), name=_("per batch")
        )
        self.schedule_curve = pg.PlotDataItem(
            pen=pg.mkPen(theme.TRAIN, width=2), name=_("per epoch")
        )
        self.schedule_plot.addItem(self.schedule_batch_curve)
        self.schedule_plot.addItem(self.schedule_curve)
        layout.addWidget(self.schedule_plot)
        self.schedule_caption = muted(wrapped_label("", box), small=True)
        layout.addWidget(self.schedule_caption)
        return box

    def _build_run(self) -> QGroupBox:
        box = QGroupBox(_("Epochs and batches"), self)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)

        epochs = settings_param("epochs")
        self.epochs_editor = make_editor(epochs, self._on_epochs_editor_changed, box)
        form.addRow(tip_label(_(epochs.title), _(epochs.help), box), self.epochs_editor)

        batch_help = _(settings_param("batch_size").help)
        self.batch_mode_combo = QComboBox(box)
        for key, label, tip in BATCH_MODES:
            self.batch_mode_combo.addItem(_(label), key)
            self.batch_mode_combo.setItemData(
                self.batch_mode_combo.count() - 1, _(tip), Qt.ItemDataRole.ToolTipRole
            )
        self.batch_mode_combo.setToolTip(batch_help)
        self.batch_mode_combo.currentIndexChanged.connect(self._on_batch_mode_combo_changed)
        form.addRow(tip_label(_("Batches"), batch_help, box), self.batch_mode_combo)

        self.batch_size_spin = QSpinBox(box)
        self.batch_size_spin.setRange(2, 10_000_000)
        self.batch_size_spin.setKeyboardTracking(False)
        self.batch_size_spin.setAccelerated(True)
        self.batch_size_spin.setToolTip(batch_help)
        self.batch_size_spin.valueChanged.connect(self._on_batch_size_spin_changed)
        form.addRow(tip_label(_("Batch size"), batch_help, box), self.batch_size_spin)
        self.batch_hint = muted(wrapped_label("", box), small=True)
        form.addRow("", self.batch_hint)

        shuffle = settings_param("shuffle")
        self.shuffle_editor = make_editor(shuffle, self._on_shuffle_editor_changed, box)
        form.addRow("", self.shuffle_editor)
        seed = settings_param("seed")
        self.seed_editor = make_editor(seed, self._on_seed_editor_changed, box)
        form.addRow(tip_label(_(seed.title), _(seed.help), box), self.seed_editor)
        return box

    def _build_early(self) -> QGroupBox:
        box = QGroupBox(_("Early stopping"), self)
        box.setToolTip(
            _(
                "Stop when the monitored metric stops improving, instead of training on into "
                "overfitting; optionally go back to the best epoch's weights."
            )
        )
        layout = QVBoxLayout(box)
        self.early_form = ParamForm([settings_param(name) for name in EARLY_FIELDS], box)
        self.early_form.changed.connect(self._on_early_form_changed)
        layout.addWidget(self.early_form)
        return box

    def _build_target(self) -> QGroupBox:
        box = QGroupBox(_("Stop at a target"), self)
        box.setToolTip(_(TARGET_HELP))
        self.target_box = box
        layout = QVBoxLayout(box)
        self.target_check = QCheckBox(_("Stop when the run reaches"), box)
        self.target_check.setToolTip(_(TARGET_HELP))
        self.target_check.toggled.connect(self._on_target_check_toggled)
        layout.addWidget(self.target_check)
        row = QHBoxLayout()
        self.target_metric_combo = QComboBox(box)
        for key, label, _start in TARGET_CHOICES:
            self.target_metric_combo.addItem(_(label), key)
        self.target_metric_combo.currentIndexChanged.connect(self._on_target_metric_combo_changed)
        row.addWidget(self.target_metric_combo, 1)
        self.target_value_spin = QDoubleSpinBox(box)
        self.target_value_spin.setKeyboardTracking(False)
        self.target_value_spin.setMinimumWidth(90)
        self.target_value_spin.valueChanged.connect(self._on_target_value_spin_changed)
        row.addWidget(self.target_value_spin)
        layout.addLayout(row)
        return box

    def _build_device(self) -> QGroupBox:
        box = QGroupBox(_("Device"), self)
        form = QFormLayout(box)
        self.device_combo = QComboBox(box)
        self.device_combo.setToolTip(_(DEVICE_HELP))
        self.device_combo.currentIndexChanged.connect(self._on_device_combo_changed)
        form.addRow(tip_label(_("Compute on"), _(DEVICE_HELP), box), self.device_combo)
        return box

    # --- syncing from the document -----------------------------------------------------------

    def _sync_component(
        self,
        key: str,
        registry: Registry[Any],
        combo: QComboBox,
        help_label: QLabel,
        form: ParamForm,
        value: Mapping[str, Any],
        skip: tuple[str, ...] = (),
    ) -> ComponentSpec:
        spec = registry.get(value["name"])
        combo.setCurrentIndex(max(0, combo.findData(spec.name)))
        combo.setToolTip(_(spec.help))
        help_label.setText(_(spec.help))
        if self._shown[key] != spec.name:
            form.set_specs([p for p in spec.params if p.name not in skip])
            self._shown[key] = spec.name
        form.set_values({k: v for k, v in value.items() if k != "name"})
        form.setVisible(bool(form.specs))
        return spec

    def _sync_loss(self) -> None:
        loss = self.settings.loss
        self._sync_component("loss", LOSSES, self.loss_combo, self.loss_help, self.loss_form, loss)
        if "class_weights" in self.loss_form.editors():
            self.loss_form.set_row_visible("class_weights", loss.get("weighting") == "custom")
        self.l1_editor.set_value(self.settings.l1)

    def _sync_optimizer(self) -> None:
        optimizer = self.settings.optimizer
        spec = self._sync_component(
            "optimizer",
            OPTIMIZERS,
            self.optimizer_combo,
            self.optimizer_help,
            self.optimizer_form,
            optimizer,
            skip=("lr",),
        )
        self.lr_editor.set_value(optimizer["lr"])
        lr = float(optimizer["lr"])
        lo, hi = spec.usual_lr
        hint = usual_lr_text(spec)
        if lr > hi * 1.0001:
            hint = _("{usual} · yours is higher: watch for a jumping loss").format(usual=hint)
            color = theme.WARNING.darker(150).name()
        elif lr < lo * 0.9999:
            hint = _("{usual} · yours is lower: training may crawl").format(usual=hint)
            color = theme.WARNING.darker(150).name()
        else:
            color = theme.MUTED_TEXT.name()
        self.lr_hint.setText(hint)
        self.lr_hint.setStyleSheet(f"color: {color}; font-size: 11px;")
        self.lr_hint.setToolTip(
            _("The lessons' rule of thumb: SGD 0.1–0.01, Adam 1e-3–1e-4, Lion 1e-4–1e-5.")
        )

    def _sync_schedule(self) -> None:
        self._sync_component(
            "schedule",
            SCHEDULES,
            self.schedule_combo,
            self.schedule_help,
            self.schedule_form,
            self.settings.schedule,
        )

    def _sync_run(self) -> None:
        s = self.settings
        self.epochs_editor.set_value(s.epochs)
        mode = s.batch_mode
        self.batch_mode_combo.setCurrentIndex(self.batch_mode_combo.findData(mode))
        if mode == "mini":
            self._last_mini = s.batch_size
            self.batch_size_spin.setValue(s.batch_size)
        else:
            self.batch_size_spin.setValue(self._last_mini)
        self.batch_size_spin.setEnabled(mode == "mini")
        self.shuffle_editor.set_value(s.shuffle)
        self.seed_editor.set_value(s.seed)
        self._sync_batch_hint()

    def _sync_batch_hint(self) -> None:
        s, n = self.settings, self.n_train()
        steps = steps_per_epoch(n, s.batch_size)
        if not n:
            text = _("Load data to see how many steps an epoch takes.")
        elif s.batch_size <= 0:
            text = _("1 iteration per epoch: all {n:,} training rows at once").format(n=n)
        elif s.batch_size == 1:
            text = _("{steps:,} iterations per epoch: one row at a time").format(steps=steps)
        elif s.batch_size >= n:
            text = _("1 iteration per epoch: the batch holds all {n:,} training rows").format(n=n)
        else:
            text = ngettext(
                "{steps:,} iteration per epoch ({n:,} training rows ÷ {batch})",
                "{steps:,} iterations per epoch ({n:,} training rows ÷ {batch})",
                steps,
            ).format(steps=steps, n=n, batch=s.batch_size)
        self.batch_hint.setText(text)

    def _sync_early(self) -> None:
        early = self.settings.early_stopping
        values = {name: getattr(early, name) for name in EARLY_FIELDS}
        self.early_form.set_values(values)
        for name in EARLY_FIELDS[1:]:
            self.early_form.editor(name).setEnabled(early.enabled)

    def _sync_target(self) -> None:
        target = self.settings.stop_at
        if target is not None:
            self._last_target = target
        shown = target or self._last_target
        self.target_check.setChecked(target is not None)
        self.target_metric_combo.setCurrentIndex(
            max(0, self.target_metric_combo.findData(shown.metric))
        )
        spin = self.target_value_spin
        if shown.metric == "accuracy":
            # Accuracy as the class says it: a percentage (the file keeps the fraction).
            spin.setDecimals(1)
            spin.setRange(0.1, 100.0)
            spin.setSingleStep(1.0)
            spin.setSuffix(" %")
            spin.setValue(shown.value * 100)
        else:
            spin.setDecimals(4)
            spin.setRange(0.0, 1e6)
            spin.setSingleStep(0.01)
            spin.setSuffix("")
            spin.setValue(shown.value)
        self.target_metric_combo.setEnabled(target is not None)
        spin.setEnabled(target is not None)

    def _sync_device(self) -> None:
        """List the devices. Only torch knows whether there is a GPU: until it is imported the
        list is provisional, and the window refreshes this panel when torch arrives."""
        cuda = cuda_available()
        wanted = self.settings.device
        items = [
            ("auto", _("Auto (CPU here)") if cuda is False else _("Auto (GPU when present)")),
            ("cpu", "CPU"),
        ]
        if cuda or (cuda is None and wanted == "cuda"):
            items.append(("cuda", "CUDA GPU"))
        elif wanted == "cuda":
            # Keep a project's choice visible even on a machine without a GPU.
            items.append(("cuda", _("CUDA GPU (not available here)")))
        if [self.device_combo.itemData(i) for i in range(self.device_combo.count())] != [
            key for key, _label in items
        ]:
            self.device_combo.clear()
            for key, label in items:
                self.device_combo.addItem(label, key)
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(wanted)))

    def _sync_banner(self) -> None:
        doc = self.document
        messages = [BannerMessage("error", tr(text)) for text in doc.workspace.compatibility]
        reason = doc.workspace.blocking_reason()
        if reason and reason not in doc.workspace.compatibility:
            level = (
                "info"
                if doc.workspace.prepared is None and not doc.workspace.data_error
                else "warning"
            )
            text = _("Train is not available yet: {reason}").format(reason=tr(reason))
            messages.append(BannerMessage(level, text))
        self.banner.set_messages(messages)

    # --- document signals --------------------------------------------------------------------

    def _on_document_training_settings_changed(self, _settings: object) -> None:
        self.refresh()

    def _on_document_project_replaced(self) -> None:
        self._shown = {"loss": "", "optimizer": "", "schedule": ""}
        self.refresh()

    def _on_document_data_changed(self) -> None:
        # Rows per epoch changed: the batch hint and the per-batch schedule plan follow.
        with self._syncing:
            self._sync_batch_hint()
        self._preview_timer.start()
        self._sync_banner()

    def _on_document_analysis_changed(self, _analysis: object) -> None:
        self._sync_banner()

    # --- user edits --------------------------------------------------------------------------

    def _edit(self, text: str, merge_key: str = "", **changes: Any) -> bool:
        """Push one command with ``changes``; a refused or invalid edit puts widgets back."""
        if self._syncing:
            return False
        try:
            settings = self.settings.replace(**changes)
        except NNStudioError as exc:
            self.document.message.emit(tr(str(exc)))
            self.refresh()
            return False
        if settings == self.settings:
            return True
        command = SetTrainingSettingsCommand(self.document, settings, text, merge_key)
        if not self.document.push(command):
            self.refresh()
            return False
        return True

    def _on_component_combo_changed(self, key: str, name: str) -> None:
        # A new entry starts from its own defaults (an optimiser: its usual learning rate).
        registry, choice_text, _parameter_text = _COMPONENTS[key]
        text = _(choice_text).format(choice=_(registry.get(name).label))
        self._edit(text, **{key: {"name": name}})

    def _on_component_form_changed(self, key: str, name: str, value: object) -> None:
        registry, _choice_text, parameter_text = _COMPONENTS[key]
        current = getattr(self.settings, key)
        title = _(registry.get(current["name"]).param(name).title)
        self._edit(
            _(parameter_text).format(parameter=title.lower()),
            f"{key}.{name}",
            **{key: {**current, name: value}},
        )

    def _on_l1_editor_changed(self, value: object) -> None:
        self._edit(_("Set L1 penalty"), "l1", l1=value)

    def _on_lr_editor_changed(self, value: object) -> None:
        self._edit(
            _("Set learning rate"),
            "optimizer.lr",
            optimizer={**self.settings.optimizer, "lr": value},
        )

    def _on_epochs_editor_changed(self, value: object) -> None:
        self._edit(_("Set epochs"), "epochs", epochs=value)

    def _on_batch_mode_combo_changed(self, _index: int) -> None:
        mode = self.batch_mode_combo.currentData()
        size = {"full": 0, "single": 1}.get(mode, self._last_mini)
        label = self.batch_mode_combo.currentText().lower()
        with QSignalBlocker(self.batch_size_spin):
            self.batch_size_spin.setEnabled(mode == "mini")
        self._edit(_("Use {mode}").format(mode=label), batch_size=size)

    def _on_batch_size_spin_changed(self, value: int) -> None:
        if self._syncing:
            return
        self._last_mini = value
        self._edit(_("Set batch size"), "batch_size", batch_size=value)

    def _on_shuffle_editor_changed(self, value: object) -> None:
        self._edit(_("Shuffle every epoch") if value else _("Do not shuffle"), shuffle=value)

    def _on_seed_editor_changed(self, value: object) -> None:
        self._edit(_("Set training seed"), "seed", seed=value)

    def _on_early_form_changed(self, name: str, value: object) -> None:
        early = self.settings.early_stopping
        values = {field: getattr(early, field) for field in EARLY_FIELDS}
        values[name] = value
        if name == "enabled":
            text = _("Enable early stopping") if value else _("Disable early stopping")
        else:
            text = _("Set early stopping {parameter}").format(
                parameter=_(settings_param(name).title).lower()
            )
        merge = "" if name in ("enabled", "monitor", "restore_best") else f"early.{name}"
        self._edit(text, merge, early_stopping=EarlyStopping(**values))

    def _on_target_check_toggled(self, checked: bool) -> None:
        if checked:
            self._edit(_("Stop at a target"), stop_at=self._last_target)
        else:
            self._edit(_("Do not stop at a target"), stop_at=None)

    def _on_target_metric_combo_changed(self, _index: int) -> None:
        metric = self.target_metric_combo.currentData()
        start = next(value for key, _label, value in TARGET_CHOICES if key == metric)
        self._edit(_("Set target metric"), stop_at=StopTarget(metric, start))

    def _on_target_value_spin_changed(self, value: float) -> None:
        target = self.settings.stop_at
        if self._syncing or target is None:
            return
        value = value / 100 if target.metric == "accuracy" else value
        self._edit(_("Set target value"), "stop_at.value", stop_at=StopTarget(target.metric, value))

    def _on_device_combo_changed(self, _index: int) -> None:
        device = self.device_combo.currentData()
        if device is not None:
            self._edit(_("Compute on {device}").format(device=device), device=device)

"""Every undoable edit, as one QUndoCommand per core operation.

``redo``/``undo`` only call Graph or ProjectDocument methods; views update themselves from
the model's events. Commands keep node ids fixed across redo so later commands in the stack
still refer to the right node.

Composite edits (paste, delete a selection, quick build) are :class:`MacroCommand` objects
that keep their steps in a Python list. Qt's own parent/child commands are not used: with
PySide6 the Python side of a child command can be collected while C++ still points at it,
which crashes on redo or when the stack is cleared.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtGui import QUndoCommand

from nnstudio.core.network.graph import RemovedNode, new_node_id
from nnstudio.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from nnstudio.core.data import DataSettings
    from nnstudio.core.project.classroom import Classroom
    from nnstudio.gui.document import ProjectDocument

#: Ids for mergeWith: repeated edits of one spin box become one undo step.
MERGE_PARAM = 1001
MERGE_TRAINING = 1002
MERGE_DATA = 1003
#: Edits of the same field closer together than this merge into one undo step (a spin-box
#: drag); further apart they stay separate (choosing ReLU, then tanh, is two steps).
MERGE_WINDOW_S = 1.0


def _param_words(layer_type: str, name: str) -> str:
    """How a parameter is named in a step's text: ``weight init`` (its translated title
    where the catalogue has one, so a Chinese history reads 权重初始化, not weight init)."""
    from nnstudio.core.catalogue.layers import LAYERS

    words = name.replace("_", " ")
    try:
        title = LAYERS.get(layer_type).param(name).title
    except (KeyError, ValueError):  # a type or parameter the catalogue does not know
        return words
    translated = _(title)
    return translated if translated != title else words


class MacroCommand(QUndoCommand):
    """Several steps undone and redone as one; steps are held here, not as Qt children."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.steps: list[QUndoCommand] = []

    def add(self, step: QUndoCommand) -> QUndoCommand:
        self.steps.append(step)
        return step

    def touched_settings(self) -> set[str]:
        """Every setting any step changes (a macro is refused if one step is)."""
        out: set[str] = set()
        for step in self.steps:
            touched = getattr(step, "touched_settings", None)
            if touched is not None:
                out |= touched()
        return out

    def data_targets(self, undoing: bool) -> list[DataSettings]:
        """The data settings the steps switch to, in the order an undo or redo applies them
        (the document reads a big file among them before the step, off the GUI thread)."""
        out: list[DataSettings] = []
        for step in reversed(self.steps) if undoing else self.steps:
            targets = getattr(step, "data_targets", None)
            if targets is not None:
                out += targets(undoing)
        return out

    def redo(self) -> None:
        for step in self.steps:
            step.redo()

    def undo(self) -> None:
        for step in reversed(self.steps):
            step.undo()


class Command(QUndoCommand):
    """Base of every NN Studio command: ``parent`` may only be a :class:`MacroCommand`."""

    def __init__(self, text: str, parent: MacroCommand | None = None) -> None:
        super().__init__(text)
        if parent is not None:
            if not isinstance(parent, MacroCommand):
                raise TypeError(
                    "group commands with MacroCommand, not a QUndoCommand parent "
                    "(PySide6 child commands crash)"
                )
            parent.add(self)
        self.created = time.monotonic()

    def touched_settings(self) -> set[str]:
        """The classroom settings this edit changes (see ``core/project/classroom.py``);
        the document refuses it when one is locked. Graph edits by default."""
        return {"graph"}


def _close_in_time(first: QUndoCommand, second: QUndoCommand) -> bool:
    return abs(getattr(second, "created", 0.0) - getattr(first, "created", 0.0)) <= MERGE_WINDOW_S


class AddNodeCommand(Command):
    def __init__(
        self,
        doc: ProjectDocument,
        layer_type: str,
        params: Mapping[str, Any] | None = None,
        position: tuple[float, float] = (0.0, 0.0),
        *,
        name: str | None = None,
        node_id: str | None = None,
        trainable: bool = True,
        note: str = "",
        parent: MacroCommand | None = None,
    ) -> None:
        super().__init__(_("Add {name}").format(name=name or layer_type), parent)
        self.doc = doc
        self.layer_type = layer_type
        self.params = dict(params or {})
        self.position = position
        self.name = name
        self.node_id = node_id or new_node_id()
        self.trainable = trainable
        self.note = note

    def redo(self) -> None:
        graph = self.doc.workspace.graph
        node = graph.add_node(
            self.layer_type,
            self.params,
            name=self.name,
            position=self.position,
            node_id=self.node_id,
            trainable=self.trainable,
            note=self.note,
        )
        self.name = node.name
        self.setText(_("Add {name}").format(name=node.name))

    def undo(self) -> None:
        self.doc.workspace.graph.remove_node(self.node_id)


class RemoveNodeCommand(Command):
    """Removes one node with its edges; undo puts both back in their original order."""

    def __init__(
        self, doc: ProjectDocument, node_id: str, parent: MacroCommand | None = None
    ) -> None:
        super().__init__(
            _("Delete {name}").format(name=doc.workspace.graph.node(node_id).name), parent
        )
        self.doc = doc
        self.node_id = node_id
        self.removed: RemovedNode | None = None

    def redo(self) -> None:
        self.removed = self.doc.workspace.graph.remove_node(self.node_id)

    def undo(self) -> None:
        assert self.removed is not None
        self.doc.workspace.graph.restore_node(self.removed)


class ConnectCommand(Command):
    def __init__(
        self,
        doc: ProjectDocument,
        source: str,
        target: str,
        *,
        index: int | None = None,
        parent: MacroCommand | None = None,
    ) -> None:
        g = doc.workspace.graph

        def name(node_id: str) -> str:
            return g.nodes[node_id].name if node_id in g.nodes else node_id

        super().__init__(
            _("Connect {source} → {target}").format(source=name(source), target=name(target)),
            parent,
        )
        self.doc = doc
        self.source, self.target, self.index = source, target, index

    def redo(self) -> None:
        self.doc.workspace.graph.add_edge(self.source, self.target, index=self.index, check=False)

    def undo(self) -> None:
        self.doc.workspace.graph.remove_edge(self.source, self.target)


class DisconnectCommand(Command):
    def __init__(
        self, doc: ProjectDocument, source: str, target: str, parent: MacroCommand | None = None
    ) -> None:
        g = doc.workspace.graph
        super().__init__(
            _("Disconnect {source} → {target}").format(
                source=g.node(source).name, target=g.node(target).name
            ),
            parent,
        )
        self.doc = doc
        self.source, self.target = source, target
        self.index: int | None = None

    def redo(self) -> None:
        self.index = self.doc.workspace.graph.remove_edge(self.source, self.target)

    def undo(self) -> None:
        self.doc.workspace.graph.add_edge(self.source, self.target, index=self.index, check=False)


class MoveNodesCommand(Command):
    """A drag (or auto-layout) as one step; pushed after the items already moved."""

    def __init__(
        self,
        doc: ProjectDocument,
        old: Mapping[str, tuple[float, float]],
        new: Mapping[str, tuple[float, float]],
        text: str = "",
        parent: MacroCommand | None = None,
    ) -> None:
        count = len(new)
        super().__init__(
            text or ngettext("Move layer", "Move {count} layers", count).format(count=count),
            parent,
        )
        self.doc = doc
        self.old, self.new = dict(old), dict(new)

    def redo(self) -> None:
        self.doc.workspace.graph.move_nodes(self.new)

    def undo(self) -> None:
        self.doc.workspace.graph.move_nodes(self.old)


class SetParamCommand(Command):
    """One parameter of one node; consecutive edits of the same parameter merge."""

    def __init__(
        self,
        doc: ProjectDocument,
        node_id: str,
        name: str,
        value: Any,
        parent: MacroCommand | None = None,
    ) -> None:
        node = doc.workspace.graph.node(node_id)
        super().__init__(
            _("Set {layer} {param}").format(layer=node.name, param=_param_words(node.type, name)),
            parent,
        )
        self.doc = doc
        self.node_id, self.name = node_id, name
        self.old = node.params.get(name)
        self.value = value

    def id(self) -> int:
        return MERGE_PARAM

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParamCommand):
            return False
        if (other.node_id, other.name) != (self.node_id, self.name):
            return False
        if not _close_in_time(self, other):
            return False
        self.value = other.value
        self.created = other.created
        return True

    def redo(self) -> None:
        self.doc.workspace.graph.set_param(self.node_id, self.name, self.value)

    def undo(self) -> None:
        self.doc.workspace.graph.set_param(self.node_id, self.name, self.old)


class SetAttributeCommand(Command):
    """Rename a layer, freeze/unfreeze it, or change its note."""

    #: The step's text for each attribute (translated when the step is made).
    LABELS: ClassVar[dict[str, str]] = {
        "name": N_("Rename {name}"),
        "trainable": N_("Freeze/unfreeze {name}"),
        "note": N_("Edit note of {name}"),
    }
    OTHER_LABEL = N_("Change {name}")

    def __init__(
        self,
        doc: ProjectDocument,
        node_id: str,
        attribute: str,
        value: Any,
        parent: MacroCommand | None = None,
    ) -> None:
        node = doc.workspace.graph.node(node_id)
        label = self.LABELS.get(attribute, self.OTHER_LABEL)
        super().__init__(_(label).format(name=node.name), parent)
        self.doc = doc
        self.node_id, self.attribute = node_id, attribute
        self.old = getattr(node, attribute)
        self.value = value

    def redo(self) -> None:
        self.doc.workspace.graph.set_attribute(self.node_id, self.attribute, self.value)

    def undo(self) -> None:
        self.doc.workspace.graph.set_attribute(self.node_id, self.attribute, self.old)


class _SettingsCommand(Command):
    """Replace one settings section of the project with a new value; successive edits under
    one ``merge_key`` (a slider dragged, a field typed in) merge into one undo step."""

    #: Set by each subclass: the merge id, the default undo text, the project's attribute
    #: holding the section and the workspace method that replaces it.
    MERGE_ID: ClassVar[int]
    DEFAULT_TEXT: ClassVar[str]
    SECTION: ClassVar[str]
    SETTER: ClassVar[str]

    def __init__(
        self,
        doc: ProjectDocument,
        new: Any,
        text: str = "",
        merge_key: str = "",
        parent: MacroCommand | None = None,
    ) -> None:
        super().__init__(text or _(self.DEFAULT_TEXT), parent)
        self.doc = doc
        self.old = getattr(doc.project, self.SECTION)
        self.new = new
        self.merge_key = merge_key

    def _apply(self, value: Any) -> None:
        getattr(self.doc.workspace, self.SETTER)(value)

    def id(self) -> int:
        return self.MERGE_ID if self.merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (
            type(other) is type(self)
            and other.merge_key == self.merge_key
            and _close_in_time(self, other)
        ):
            self.new = other.new
            self.created = other.created
            return True
        return False

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


class SetTrainingSettingsCommand(_SettingsCommand):
    MERGE_ID = MERGE_TRAINING
    DEFAULT_TEXT = N_("Change training settings")
    SECTION = "training"
    SETTER = "set_training_settings"

    def touched_settings(self) -> set[str]:
        from nnstudio.core.project.classroom import training_locks

        return training_locks(self.old, self.new)


class SetDataSettingsCommand(_SettingsCommand):
    MERGE_ID = MERGE_DATA
    DEFAULT_TEXT = N_("Change data settings")
    SECTION = "data"
    SETTER = "set_data_settings"

    def data_targets(self, undoing: bool) -> list[DataSettings]:
        """The data settings an undo or redo switches to (see MacroCommand.data_targets)."""
        return [self.old if undoing else self.new]

    def touched_settings(self) -> set[str]:
        return {"data"} if self.new != self.old else set()


class SetClassroomCommand(Command):
    """A teacher's lock, unlock or task edit: one undoable step that no lock refuses."""

    def __init__(
        self,
        doc: ProjectDocument,
        new: Classroom,
        text: str = "",
        parent: MacroCommand | None = None,
    ) -> None:
        super().__init__(text or _("Change the lesson settings"), parent)
        self.doc = doc
        self.old = doc.project.classroom
        self.new = new

    def touched_settings(self) -> set[str]:
        return set()

    def redo(self) -> None:
        self.doc.workspace.set_classroom(self.new)

    def undo(self) -> None:
        self.doc.workspace.set_classroom(self.old)


def insert_subgraph_command(
    doc: ProjectDocument,
    sub: Mapping[str, Any],
    offset: tuple[float, float] = (40.0, 40.0),
    text: str = "",
) -> tuple[MacroCommand, list[str]]:
    """A macro adding copies of ``sub``'s nodes (fresh ids and names) and their edges.

    ``text`` names the step in the history (default: "Paste").

    Returns the command and the new node ids (so the caller can select them).
    """
    macro = MacroCommand(text or _("Paste"))
    mapping: dict[str, str] = {}
    taken = {n.name for n in doc.workspace.graph.nodes.values()}
    for raw in sub.get("nodes", []):
        new_id = new_node_id()
        mapping[raw["id"]] = new_id
        name = raw.get("name") or raw["type"].lower()
        if name in taken:
            base = name.rsplit("_copy", 1)[0]
            i = 1
            name = f"{base}_copy"
            while name in taken:
                i += 1
                name = f"{base}_copy{i}"
        taken.add(name)
        x, y = raw.get("position", (0.0, 0.0))
        AddNodeCommand(
            doc,
            raw["type"],
            raw.get("params"),
            (x + offset[0], y + offset[1]),
            name=name,
            node_id=new_id,
            trainable=raw.get("trainable", True),
            note=raw.get("note", ""),
            parent=macro,
        )
    for source, target in sub.get("edges", []):
        if source in mapping and target in mapping:
            ConnectCommand(doc, mapping[source], mapping[target], parent=macro)
    return macro, list(mapping.values())


def remove_nodes_command(
    doc: ProjectDocument, node_ids: Sequence[str], text: str = ""
) -> MacroCommand:
    macro = MacroCommand(
        text
        or (
            _("Delete {count} layers").format(count=len(node_ids))
            if len(node_ids) > 1
            else _("Delete {name}").format(name=doc.workspace.graph.node(node_ids[0]).name)
        )
    )
    for node_id in node_ids:
        RemoveNodeCommand(doc, node_id, parent=macro)
    return macro

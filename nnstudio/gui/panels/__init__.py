"""Dockable panels around the canvas: data, training and problems.

Panels read the :class:`~nnstudio.gui.document.ProjectDocument` and change it only by pushing
commands; they do not import each other (the main window wires them together). Parameter
editors shared with the inspector live in :mod:`nnstudio.gui.widgets.param_editors`.
"""

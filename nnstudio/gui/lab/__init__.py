"""The classroom lab: one view per lesson topic, each reading the workspace.

Views are listed in :mod:`nnstudio.gui.lab.registry` by key and made on first use, so a
window that never opens a lesson never imports them.
"""

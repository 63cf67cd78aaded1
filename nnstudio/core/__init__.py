"""Qt-free heart of NN Studio: graph model, catalogues, data, training, projects, export.

Nothing in this package may import PySide6 or pyqtgraph; the command line and the tests drive
it directly and the GUI only presents and edits it.
"""

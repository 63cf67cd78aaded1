"""``python -m nnstudio`` runs the same entry point as the ``nnstudio`` command."""

from nnstudio.cli import main

raise SystemExit(main())

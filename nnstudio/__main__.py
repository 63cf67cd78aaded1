"""``python -m nnstudio`` runs the same entry point as the ``nnstudio`` command."""

from nnstudio.cli import main

# Guarded: the training process is started with "spawn", which imports this module again.
if __name__ == "__main__":
    raise SystemExit(main())

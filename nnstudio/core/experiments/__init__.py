"""Experiments: what a practitioner does around training (no Qt).

- :mod:`.controlled` — "train again, changing only X": runs from the same initial weights
  and seed that differ in one setting;
- :mod:`.evaluation` — per-class scores, ROC and precision-recall curves, misclassified rows,
  residuals, permutation importance and partial dependence of a trained project;
- :mod:`.profile` — a data profile before training (types, missing, histograms, correlations,
  constant and duplicate columns and rows, outliers);
- :mod:`.search` — hyperparameter search with Optuna (grid, random, TPE; pruning);
- :mod:`.tensorboard` — a training-event listener that writes TensorBoard event files.

Run records themselves live in :mod:`nnstudio.core.training.runs`, beside the trainer that
stores them; this package builds on the training package. Optional libraries (Optuna,
TensorBoard) are imported only by the module that needs them.
"""

from __future__ import annotations

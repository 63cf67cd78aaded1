"""Experiments: comparing training runs fairly (controlled experiments, searches).

Run records themselves live in :mod:`nnstudio.core.training.runs`, beside the trainer that
stores them; this package builds on the training package.
"""

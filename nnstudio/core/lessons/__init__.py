"""Lessons beyond plain training: one backpropagation step worked by hand, and a race of
optimizers from the same start."""

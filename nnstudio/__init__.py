"""NN Studio: build, train and understand neural networks by pointing and clicking."""

__version__ = "0.1.0"

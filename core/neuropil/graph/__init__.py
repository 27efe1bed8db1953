"""neuropil.graph: models as graphs of layer calls.

``Input`` makes a :class:`SymbolicTensor`; calling a layer on one records a :class:`Node` and returns
new symbolic tensors (shapes only, no array math); :class:`Model` turns the graph between some inputs
and outputs into a model, which one :class:`~neuropil.graph.executor.Executor` runs forward, backward
and for feature extraction.
"""
from .input_layer import Input, InputLayer
from .tensor import Node, SymbolicTensor

__all__ = ["Input", "InputLayer", "Node", "SymbolicTensor", "Model"]


def __getattr__(name: str) -> object:
    if name == "Model":  # the model pulls in the trainer: imported on first use only
        from .functional import Model

        return Model
    raise AttributeError(f"module 'neuropil.graph' has no attribute {name!r}")

"""The standard layers, one small module each, registered under their Keras class names."""
from __future__ import annotations

from neuropil.plugin_system.hookspecs import Register

from .activation import Activation
from .activation_layers import ELU, LeakyReLU, ReLU, Softmax
from .batch_normalization import BatchNormalization
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .input import Input, InputLayer
from .merging import register_all as register_merging
from .pooling import register_all as register_pooling
from .reshaping import register_all as register_reshaping

__all__ = ["Activation", "BatchNormalization", "Dense", "Dropout", "ELU", "Flatten", "Input", "InputLayer", "LeakyReLU",
           "ReLU", "Softmax", "register_all"]


def register_all(register: Register) -> None:
    register("Dense", Dense)
    register("Dropout", Dropout)
    register("Activation", Activation)
    register("Flatten", Flatten)
    register("Input", Input)
    register("InputLayer", InputLayer)
    register("ReLU", ReLU)
    register("LeakyReLU", LeakyReLU)
    register("Softmax", Softmax)
    register("ELU", ELU)
    register("BatchNormalization", BatchNormalization)
    register_pooling(register)
    register_reshaping(register)
    register_merging(register)

"""The standard layers, one small module each, registered under their Keras class names."""
from __future__ import annotations

from neuropil.plugin_system.hookspecs import Register

from . import conv
from .activation import Activation
from .activation_layers import ELU, LeakyReLU, ReLU, Softmax
from .batch_normalization import BatchNormalization
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .input import Input
from .pooling import register_all as register_pooling

__all__ = ["Activation", "BatchNormalization", "Dense", "Dropout", "ELU", "Flatten", "Input", "LeakyReLU",
           "ReLU", "Softmax", "register_all"]


def register_all(register: Register) -> None:
    register("Dense", Dense)
    register("Dropout", Dropout)
    register("Activation", Activation)
    register("Flatten", Flatten)
    register("Input", Input, aliases=("InputLayer",))
    register("ReLU", ReLU)
    register("LeakyReLU", LeakyReLU)
    register("Softmax", Softmax)
    register("ELU", ELU)
    register("BatchNormalization", BatchNormalization)
    conv.register_all(register)
    register_pooling(register)

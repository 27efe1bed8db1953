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
from .input import Input, InputLayer
from .merging import register_all as register_merging
from .normalization import GroupNormalization, LayerNormalization, Normalization, UnitNormalization
from .pooling import register_all as register_pooling
from .preprocessing import (
    CenterCrop,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)
from .regularization import (
    ActivityRegularization,
    AlphaDropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from .reshaping import register_all as register_reshaping

__all__ = ["Activation", "BatchNormalization", "Dense", "Dropout", "ELU", "Flatten", "Input", "InputLayer", "LeakyReLU",
           "ReLU", "Softmax", "register_all"]
__all__ += ["GroupNormalization", "LayerNormalization", "Normalization", "UnitNormalization"]
__all__ += ["ActivityRegularization", "AlphaDropout", "GaussianDropout", "GaussianNoise", "SpatialDropout1D",
            "SpatialDropout2D", "SpatialDropout3D"]
__all__ += ["CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation",
            "RandomTranslation", "RandomZoom", "Rescaling", "Resizing"]


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
    conv.register_all(register)
    register_pooling(register)
    register_reshaping(register)
    register("LayerNormalization", LayerNormalization)
    register("GroupNormalization", GroupNormalization)
    register("UnitNormalization", UnitNormalization)
    register("Normalization", Normalization)
    register("SpatialDropout1D", SpatialDropout1D)
    register("SpatialDropout2D", SpatialDropout2D)
    register("SpatialDropout3D", SpatialDropout3D)
    register("GaussianNoise", GaussianNoise)
    register("GaussianDropout", GaussianDropout)
    register("AlphaDropout", AlphaDropout)
    register("ActivityRegularization", ActivityRegularization)
    register("Rescaling", Rescaling)
    register("Resizing", Resizing)
    register("CenterCrop", CenterCrop)
    register("RandomFlip", RandomFlip)
    register("RandomRotation", RandomRotation)
    register("RandomZoom", RandomZoom)
    register("RandomTranslation", RandomTranslation)
    register("RandomCrop", RandomCrop)
    register("RandomContrast", RandomContrast)
    register("RandomBrightness", RandomBrightness)
    register_merging(register)

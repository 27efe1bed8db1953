"""Pooling layers (Keras's keras.layers.pooling): windowed max/average pooling and global pooling."""
from __future__ import annotations

from neuropil.plugin_system.hookspecs import Register

from .average_pooling import AveragePooling1D, AveragePooling2D, AveragePooling3D
from .global_pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
from .max_pooling import MaxPooling1D, MaxPooling2D, MaxPooling3D

__all__ = ["AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
           "GlobalMaxPooling3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "register_all"]


def register_all(register: Register) -> None:
    """Register every pooling layer under its Keras class name (and Keras's aliases)."""
    register("MaxPooling1D", MaxPooling1D, aliases=("MaxPool1D",))
    register("MaxPooling2D", MaxPooling2D, aliases=("MaxPool2D",))
    register("MaxPooling3D", MaxPooling3D, aliases=("MaxPool3D",))
    register("AveragePooling1D", AveragePooling1D, aliases=("AvgPool1D",))
    register("AveragePooling2D", AveragePooling2D, aliases=("AvgPool2D",))
    register("AveragePooling3D", AveragePooling3D, aliases=("AvgPool3D",))
    register("GlobalMaxPooling1D", GlobalMaxPooling1D, aliases=("GlobalMaxPool1D",))
    register("GlobalMaxPooling2D", GlobalMaxPooling2D, aliases=("GlobalMaxPool2D",))
    register("GlobalMaxPooling3D", GlobalMaxPooling3D, aliases=("GlobalMaxPool3D",))
    register("GlobalAveragePooling1D", GlobalAveragePooling1D, aliases=("GlobalAvgPool1D",))
    register("GlobalAveragePooling2D", GlobalAveragePooling2D, aliases=("GlobalAvgPool2D",))
    register("GlobalAveragePooling3D", GlobalAveragePooling3D, aliases=("GlobalAvgPool3D",))

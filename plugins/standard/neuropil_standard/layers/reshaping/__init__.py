"""Shape layers (Keras's keras.layers.reshaping): Reshape, Permute, RepeatVector, UpSampling,
ZeroPadding and Cropping. (Flatten lives in ``layers/flatten.py``.)"""
from __future__ import annotations

from neuropil.plugin_system.hookspecs import Register

from .cropping import Cropping1D, Cropping2D, Cropping3D
from .permute import Permute
from .repeat_vector import RepeatVector
from .reshape import Reshape
from .up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
from .zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D

__all__ = ["Cropping1D", "Cropping2D", "Cropping3D", "Permute", "RepeatVector", "Reshape", "UpSampling1D",
           "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "register_all"]


def register_all(register: Register) -> None:
    """Register every shape layer under its Keras class name."""
    for layer in (Reshape, Permute, RepeatVector, UpSampling1D, UpSampling2D, UpSampling3D,
                  ZeroPadding1D, ZeroPadding2D, ZeroPadding3D, Cropping1D, Cropping2D, Cropping3D):
        register(layer.__name__, layer)

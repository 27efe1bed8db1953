"""The convolution layers: one N-d machinery (:mod:`._ops`, :mod:`._geometry`) and small per-family
modules that give it Keras's names, arguments and weight layouts."""
from __future__ import annotations

from neuropil.plugin_system.hookspecs import Register

from .conv import Conv1D, Conv2D, Conv3D
from .conv_transpose import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
from .depthwise import DepthwiseConv1D, DepthwiseConv2D
from .separable import SeparableConv1D, SeparableConv2D

__all__ = ["Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
           "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "register_all"]

#: Keras's registered names and the aliases Keras exports for them.
_LAYERS = {
    "Conv1D": (Conv1D, ("Convolution1D",)),
    "Conv2D": (Conv2D, ("Convolution2D",)),
    "Conv3D": (Conv3D, ("Convolution3D",)),
    "Conv1DTranspose": (Conv1DTranspose, ("Convolution1DTranspose",)),
    "Conv2DTranspose": (Conv2DTranspose, ("Convolution2DTranspose",)),
    "Conv3DTranspose": (Conv3DTranspose, ("Convolution3DTranspose",)),
    "DepthwiseConv1D": (DepthwiseConv1D, ()),
    "DepthwiseConv2D": (DepthwiseConv2D, ()),
    "SeparableConv1D": (SeparableConv1D, ("SeparableConvolution1D",)),
    "SeparableConv2D": (SeparableConv2D, ("SeparableConvolution2D",)),
}


def register_all(register: Register) -> None:
    for name, (factory, aliases) in _LAYERS.items():
        register(name, factory, aliases=aliases)

"""What every convolution layer shares: Keras's argument checks, data formats, the activation and
activity regularizer around the linear part, and the config.

A subclass declares its weights' component arguments (``kernel_initializer``, ``depthwise_regularizer``
...) and implements :meth:`ConvolutionBase._build_geometry` and :meth:`ConvolutionBase._linear`, the
convolution plus bias on channels-last arrays with its backward. Channels-first inputs are handled
here once, by moving the channel axis (a view) on the way in and out, so the array code has one
layout to be fast in.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import neuropil.activations
import neuropil.constraints
import neuropil.initializers
import neuropil.regularizers
import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward, Layer
from neuropil.errors import ArgumentError, LayerError

from .._common import check_declared_shape, serialize_component, with_activity_regularizer

#: Which registry a component argument resolves through, by the suffix of its name.
_REGISTRY_BY_SUFFIX = {
    "_initializer": neuropil.initializers,
    "_regularizer": neuropil.regularizers,
    "_constraint": neuropil.constraints,
}

DATA_FORMATS = ("channels_last", "channels_first")

#: A channels-last linear map and its backward: ``backward(dz)`` assigns grads and returns dx or None.
Linear = tuple[Any, Callable[[Any], Any]]


def registry_for(argument: str) -> Any:
    for suffix, module in _REGISTRY_BY_SUFFIX.items():
        if argument.endswith(suffix):
            return module
    raise KeyError(argument)


class ConvolutionBase(Layer):
    """Base of the convolution layers; not registered itself.

    Subclasses set :attr:`rank` (spatial axes), :attr:`paddings` (the padding names they accept) and
    call :meth:`_configure` from their constructor with Keras's arguments.
    """

    rank: ClassVar[int] = 0
    paddings: ClassVar[tuple[str, ...]] = ("valid", "same")

    kernel_size: tuple[int, ...]
    strides: tuple[int, ...]
    dilation_rate: tuple[int, ...]
    padding: str
    data_format: str
    use_bias: bool
    activity_regularizer: Any
    #: The array work planned by :meth:`_build_geometry` (None until built); its ``output`` is the
    #: output's spatial sizes.
    _geometry: Any

    def _configure(self, kernel_size: Any, strides: Any, padding: Any, data_format: Any, dilation_rate: Any,
                   activation: Any, use_bias: Any, components: dict[str, Any]) -> None:
        owner = type(self).__name__
        rank = self.rank
        self.kernel_size = checks.int_tuple(owner, "kernel_size", kernel_size, rank)
        self.strides = checks.int_tuple(owner, "strides", strides, rank)
        self.dilation_rate = checks.int_tuple(owner, "dilation_rate", dilation_rate, rank)
        self.padding = checks.one_of(owner, "padding", padding, self.paddings, normalise=True)
        self.data_format = ("channels_last" if data_format is None
                            else checks.one_of(owner, "data_format", data_format, DATA_FORMATS, normalise=True))
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ArgumentError(f"{owner} does not support strides > 1 together with dilation_rate > 1 "
                                f"(as Keras), received strides={strides!r} and dilation_rate={dilation_rate!r}")
        self.use_bias = checks.boolean(owner, "use_bias", use_bias)
        self.input_gradient = True
        self._activation_arg = activation
        self.activation = neuropil.activations.get(activation if activation is not None else "linear")
        self._component_args = dict(components)
        for argument, value in components.items():
            setattr(self, argument, registry_for(argument).get(value))
        self._channels_first = self.data_format == "channels_first"

    # -- shapes ----------------------------------------------------------------------------------
    def _split_shape(self, input_shape: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
        """``(spatial, channels)`` of a per-sample input shape, refusing the wrong rank."""
        if len(input_shape) != self.rank + 1:
            layout = "(channels, *spatial)" if self._channels_first else "(*spatial, channels)"
            raise LayerError(f"layer {self.name!r} ({type(self).__name__}) expects inputs of per-sample rank "
                             f"{self.rank + 1} {layout}, received per-sample shape {tuple(input_shape)}")
        shape = tuple(int(d) for d in input_shape)
        if self._channels_first:
            return shape[1:], shape[0]
        return shape[:-1], shape[-1]

    def _join_shape(self, spatial: tuple[int, ...], channels: int) -> tuple[int, ...]:
        return (channels, *spatial) if self._channels_first else (*spatial, channels)

    def _check_output(self, input_shape: tuple[int, ...], output: tuple[int, ...]) -> None:
        if min(output) <= 0:
            raise LayerError(f"layer {self.name!r} ({type(self).__name__}) with kernel_size={self.kernel_size}, "
                             f"strides={self.strides}, dilation_rate={self.dilation_rate} and "
                             f"padding={self.padding!r} would give an empty output {output} for inputs of "
                             f"per-sample shape {tuple(input_shape)}")

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        check_declared_shape(self, input_shape)
        spatial, channels = self._split_shape(tuple(input_shape))
        self._build_geometry(spatial, channels)
        self._check_output(input_shape, self._output_spatial())
        self._build_weights(channels, rng)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return self._join_shape(self._output_spatial(), self._output_channels())

    def _add(self, weight: str, shape: tuple[int, ...], prefix: str, rng: np.random.Generator) -> None:
        """Create ``weight`` with the ``{prefix}_initializer/_regularizer/_constraint`` arguments."""
        self.add_weight(weight, shape, getattr(self, f"{prefix}_initializer"), rng,
                        regularizer=getattr(self, f"{prefix}_regularizer"),
                        constraint=getattr(self, f"{prefix}_constraint"))

    # -- to implement ----------------------------------------------------------------------------
    def _build_geometry(self, spatial: tuple[int, ...], channels: int) -> None:
        """Plan the array work for this per-sample input (checking what only the input can tell)."""
        raise NotImplementedError

    def _build_weights(self, channels: int, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def _output_spatial(self) -> tuple[int, ...]:
        """The output's spatial sizes, as the geometry :meth:`_build_geometry` planned gives them."""
        assert self._geometry is not None
        return self._geometry.output

    def _output_channels(self) -> int:
        raise NotImplementedError

    def _linear(self, xp: Any, x: Any) -> Linear:
        """The convolution plus bias of a channels-last ``x``, and its backward."""
        raise NotImplementedError

    def _add_bias(self, z: Any) -> Any:
        if self.use_bias:
            z += self.params["bias"]
        return z

    def _bias_gradient(self, dz: Any) -> None:
        if self.use_bias:
            self.grads["bias"] = dz.reshape(-1, dz.shape[-1]).sum(axis=0)

    # -- computing -------------------------------------------------------------------------------
    def forward_linear(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        """The convolution plus bias, without the activation, and its backward."""
        xp = self.backend.xp
        if not self._channels_first:
            return self._linear(xp, x)
        z, backward = self._linear(xp, xp.moveaxis(x, 1, -1))

        def channels_first_backward(dz: Any) -> Any:
            dx = backward(xp.moveaxis(dz, 1, -1))
            return None if dx is None else xp.moveaxis(dx, -1, 1)

        return xp.moveaxis(z, -1, 1), channels_first_backward

    def deferrable_activation(self) -> Any:
        """The Layer protocol: the activation, which a following max pooling may apply to its pooled
        output instead (a quarter of the values for a 2x2 pool); not when an activity regularizer
        reads the activated output."""
        if self.activation.name == "linear" or self.activity_regularizer is not None:
            return None
        return self.activation

    def forward_logits(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        """The output before the activation (what :meth:`deferrable_activation` promises)."""
        return self.forward_linear(x, training)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        return self._activated(*self.forward_linear(x, training))

    def _activated(self, z: Any, linear_backward: Backward) -> tuple[Any, Backward]:
        """``activation(z)`` (and the activity penalty) after the linear part, with the backward
        through both."""
        activation = self.activation
        if activation.name == "linear":
            y, activation_backward = z, None
        else:
            # z is this layer's own fresh output: an activation that can work in place may overwrite it.
            y, activation_backward = getattr(activation, "forward_in_place", activation.forward)(z)
        return with_activity_regularizer(self, y, linear_backward, activation_backward)

    # -- config ----------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"kernel_size": list(self.kernel_size), "strides": list(self.strides),
                       "padding": self.padding, "data_format": self.data_format,
                       "dilation_rate": list(self.dilation_rate)})
        config["activation"] = (serialize_component(neuropil.activations, self._activation_arg, self.activation)
                                if self._activation_arg is not None else "linear")
        config["use_bias"] = self.use_bias
        for argument, value in self._component_args.items():
            config[argument] = serialize_component(registry_for(argument), value, getattr(self, argument))
        return config

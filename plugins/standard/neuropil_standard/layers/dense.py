"""Dense: ``activation(x @ kernel + bias)``, Keras's fully connected layer.

The forward pass is the hot path of a small model's training step, where Python and NumPy call
overhead dominates the arithmetic: it makes one matmul and one in-place add, validates nothing (the
model checks input widths once, before training) and its backward closure does only the work asked of
it (no parameter gradients for a frozen layer).
"""
from __future__ import annotations

from numbers import Integral
from typing import Any

import neuropil.activations
import neuropil.constraints
import neuropil.initializers
import neuropil.regularizers
import numpy as np
from neuropil.base.layer import Backward, Layer
from neuropil.checks import boolean as check_boolean
from neuropil.errors import ArgumentError

from . import reference_core as _reference
from ._common import check_declared_shape, resolve_component, serialize_component, with_activity_regularizer

#: The component arguments of Dense with the registry each resolves through.
_COMPONENTS = {
    "kernel_initializer": neuropil.initializers,
    "bias_initializer": neuropil.initializers,
    "kernel_regularizer": neuropil.regularizers,
    "bias_regularizer": neuropil.regularizers,
    "activity_regularizer": neuropil.regularizers,
    "kernel_constraint": neuropil.constraints,
    "bias_constraint": neuropil.constraints,
}


class Dense(Layer):
    """A fully connected layer on the last axis of its input.

    ``activation`` (an Activation; the 'linear' one when None) is offered as the logits activation so
    a model can fuse a final sigmoid/softmax with cross-entropy: it then calls :meth:`forward_logits`
    (:meth:`forward_linear`), which stops before it.
    Weight regularizers are registered with the base class (the model adds their loss and gradient);
    the activity regularizer is applied here, since it acts on this layer's output.

    Set ``input_gradient = False`` on a layer whose input gradient nobody reads (the first layer of a
    model): its backward then skips that matmul and returns None.
    """

    reference = _reference.dense  # the conformance suite's float64 formula
    example_configs = ({"units": 3}, {"units": 2, "activation": "tanh"}, {"units": 4, "use_bias": False},
                       {"units": 3, "activation": "softmax", "bias_initializer": "random_normal"},
                       {"units": 2, "activation": "sigmoid", "use_bias": False, "input_shape": (3, 4)})

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        if isinstance(units, bool) or not isinstance(units, Integral) or units <= 0:  # a ValueError, as Keras's
            raise ArgumentError(f"Dense expects units to be a positive integer, received units={units!r}")
        self.units: int = int(units)
        self.use_bias: bool = check_boolean("Dense", "use_bias", use_bias)
        super().__init__(**kwargs)
        self.input_gradient = True
        self.activation = activation
        self._component_args: dict[str, Any] = {
            "kernel_initializer": kernel_initializer, "bias_initializer": bias_initializer,
            "kernel_regularizer": kernel_regularizer, "bias_regularizer": bias_regularizer,
            "activity_regularizer": activity_regularizer,
            "kernel_constraint": kernel_constraint, "bias_constraint": bias_constraint,
        }
        for arg, module in _COMPONENTS.items():
            setattr(self, arg, resolve_component("Dense", arg, module, self._component_args[arg]))

    # the resolved component arguments, set in __init__ from _COMPONENTS
    kernel_initializer: Any
    bias_initializer: Any
    kernel_regularizer: Any
    bias_regularizer: Any
    activity_regularizer: Any
    kernel_constraint: Any
    bias_constraint: Any

    @property
    def activation(self) -> Any:
        """The resolved Activation. Assigning a name, an instance, a function or None (linear, as
        in Keras) takes effect on the next call, and is what ``get_config`` then saves."""
        return self._activation

    @activation.setter
    def activation(self, activation: Any) -> None:
        self._activation_arg = activation
        self._activation = neuropil.activations.get(activation if activation is not None else "linear")

    # -- building --------------------------------------------------------------------------------
    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        check_declared_shape(self, input_shape)
        if len(input_shape) < 1 or input_shape[-1] <= 0:
            raise ValueError(f"layer {self.name!r} (Dense) expects inputs with a non-empty last axis, "
                             f"received per-sample shape {tuple(input_shape)}")
        self.add_weight("kernel", (input_shape[-1], self.units), self.kernel_initializer, rng,
                        regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer, rng,
                            regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape[:-1]) + (self.units,)

    # -- computing -------------------------------------------------------------------------------
    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        z, linear_backward = self.forward_linear(x, training)
        activation = self._activation  # the resolved one behind the property: no property call per step
        if activation.name == "linear":
            y, activation_backward = z, None
        else:
            y, activation_backward = activation.forward(z)
        return with_activity_regularizer(self, y, linear_backward, activation_backward)

    def forward_linear(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        """``x @ kernel + bias`` without the activation, and its backward."""
        kernel = self.params["kernel"]
        z = x @ kernel
        use_bias = self.use_bias
        if use_bias:
            z += self.params["bias"]

        def backward(dz: Any) -> Any:
            if self.trainable:
                grads = self.grads
                if x.ndim == 2:
                    grads["kernel"] = x.T @ dz
                    if use_bias:
                        grads["bias"] = dz.sum(axis=0)
                else:  # (batch, ..., features): every leading position is a sample of the matmul
                    flat_dz = dz.reshape(-1, dz.shape[-1])
                    grads["kernel"] = x.reshape(-1, x.shape[-1]).T @ flat_dz
                    if use_bias:
                        grads["bias"] = flat_dz.sum(axis=0)
            if not self.input_gradient:
                return None
            return dz @ kernel.T

        return z, backward

    # -- the optional layer protocols (neuropil.base.layer) --------------------------------------
    def logits_activation(self) -> Any:
        """The activation, so a model can train a final sigmoid/softmax on logits (linear: none)."""
        return None if self.activation.name == "linear" else self.activation

    def forward_logits(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        return self.forward_linear(x, training)

    @property
    def has_loss_terms(self) -> bool:
        return bool(self.regularizers) or self.activity_regularizer is not None

    def __call__(self, x: Any, training: bool = False) -> Any:
        """Direct calls (outside a model) check the feature width, naming expected and received; a
        call on a symbolic tensor records a graph node (the base class's ``__call__``)."""
        if self.built and hasattr(x, "ndim") and x.shape[-1:] != self.params["kernel"].shape[:1]:
            raise ValueError(f"layer {self.name!r} (Dense) expects inputs with last axis "
                             f"{self.params['kernel'].shape[0]}, received shape {tuple(x.shape)}")
        return super().__call__(x, training)

    # -- config ----------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["units"] = self.units
        config["activation"] = (serialize_component(neuropil.activations, self._activation_arg, self.activation)
                                if self._activation_arg is not None else "linear")
        config["use_bias"] = self.use_bias
        for arg, module in _COMPONENTS.items():
            config[arg] = serialize_component(module, self._component_args[arg], getattr(self, arg))
        return config

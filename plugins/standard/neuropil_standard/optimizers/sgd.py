"""SGD with optional (Nesterov) momentum, as Keras 3 writes it: the momentum slot holds the last step."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neuropil.base.backend import array_module, fused_for
from neuropil.base.optimizer import Optimizer

from ._args import in_unit_interval


class SGD(Optimizer):
    """``m = momentum*m - lr*g``; ``p += m`` (or ``p += momentum*m - lr*g`` with ``nesterov``).

    Without momentum it is plain ``p -= lr*g`` and keeps no slot at all.
    """

    name = "sgd"
    device_step = True  # lr may be a 0-d device array (captured training)

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.momentum = in_unit_interval(type(self).__name__, "momentum", momentum, include_one=True)
        self.nesterov = bool(nesterov)
        self.slot_names = ("momentum",) if self.momentum != 0 else ()

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: float, step: int) -> None:
        fused = fused_for(param, "sgd_momentum" if self.slot_names else "sgd")
        if not self.slot_names:
            if fused is not None:
                fused(param, grad, lr=lr)
            else:
                param -= grad * lr
            return
        m = slots["momentum"]
        if fused is not None:  # one kernel on backends that offer it
            fused(param, grad, m, lr=lr, momentum=self.momentum, nesterov=self.nesterov)
            return
        scaled = grad * lr
        m *= self.momentum
        m -= scaled
        if self.nesterov:  # p += momentum*m - lr*g, reusing lr*g's buffer
            array_module(param).subtract(m * self.momentum, scaled, out=scaled)
            param += scaled
        else:
            param += m

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov, "name": self.name}

"""The weight-constraint contract (Keras's ``keras.constraints.Constraint``): a projection applied to
a parameter after every optimizer update.

Training calls ``constraint(w)`` and writes the result back into the parameter, so a constraint is a
function of the weight alone: it returns a new array of ``w``'s shape and dtype and leaves ``w``
untouched. Array math goes through the array module of ``w``, so one constraint serves every backend.
Subclassing is optional (any object with ``__call__`` and ``get_config`` is accepted, as in Keras),
but the base gives a user's constraint the config, repr and declarations the conformance suite reads.
"""
from __future__ import annotations

from typing import Any


class Constraint:
    """Base class of weight constraints.

    Override ``__call__(w) -> w'`` and, when the constructor takes arguments, ``get_config()``
    returning them (a saved model rebuilds the constraint as ``cls(**config)``). The base constraint
    leaves weights as they are, as Keras's does.
    """

    #: A constraint projects onto a set, so applying it twice changes nothing more; one that takes a
    #: partial step by design (Keras's MinMaxNorm with ``rate < 1``) sets this to False.
    idempotent: bool = True

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Constraint:
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"

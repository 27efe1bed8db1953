"""The standard optimizers, Keras 3's update rules, names and defaults; one module per rule."""
from __future__ import annotations

from neuropil.plugin_system.hookspecs import Register

from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .nadam import Nadam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adadelta", "Adam", "AdamW", "RMSprop", "Nadam", "register_all"]


def register_all(register: Register) -> None:
    register("SGD", SGD)
    register("Adagrad", Adagrad)
    register("Adadelta", Adadelta)
    register("Adam", Adam)
    register("AdamW", AdamW)
    register("RMSprop", RMSprop)
    register("Nadam", Nadam)

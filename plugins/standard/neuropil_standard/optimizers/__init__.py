"""The standard optimizers, Keras 3's update rules, names and defaults; one module per rule."""
from __future__ import annotations

from neuropil.plugin_system.hookspecs import Register

from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .ftrl import Ftrl
from .lamb import Lamb
from .lion import Lion
from .nadam import Nadam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adadelta", "Adam", "AdamW", "RMSprop", "Nadam", "Adamax", "Ftrl", "Lion", "Adafactor",
           "Lamb",
           "register_all"]


def register_all(register: Register) -> None:
    register("SGD", SGD)
    register("Adagrad", Adagrad)
    register("Adadelta", Adadelta)
    register("Adam", Adam)
    register("AdamW", AdamW)
    register("RMSprop", RMSprop)
    register("Nadam", Nadam)
    register("Adamax", Adamax)
    register("Ftrl", Ftrl)
    register("Lion", Lion)
    register("Adafactor", Adafactor)
    register("Lamb", Lamb)

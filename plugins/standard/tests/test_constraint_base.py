"""``neuropil.constraints.Constraint``: Keras's public base class, shared by the standard constraints
and a user's own, which trains and saves like the built-in ones."""
from __future__ import annotations

import neuropil
import neuropil.constraints
import numpy as np
from neuropil.layers import Dense


class ClipTo(neuropil.constraints.Constraint):
    """A user's constraint: every entry within [-limit, limit]."""

    def __init__(self, limit: float = 0.1) -> None:
        self.limit = limit

    def __call__(self, w):
        return w.clip(-self.limit, self.limit)

    def get_config(self):
        return {"limit": self.limit}


def test_standard_constraints_derive_from_the_public_base() -> None:
    for name in ("MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"):
        assert isinstance(neuropil.constraints.get(name), neuropil.constraints.Constraint), name


def test_the_base_leaves_weights_alone_and_rebuilds_from_config() -> None:
    w = np.array([[3.0, -4.0]])
    np.testing.assert_array_equal(neuropil.constraints.Constraint()(w), w)
    rebuilt = ClipTo.from_config(ClipTo(0.3).get_config())
    assert rebuilt.limit == 0.3 and repr(rebuilt) == "ClipTo(limit=0.3)"


def test_a_user_constraint_holds_after_every_training_step() -> None:
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([Dense(3, input_shape=(4,), kernel_constraint=ClipTo(0.05), name="d")])
    model.compile(optimizer=neuropil.optimizers.get("SGD", learning_rate=0.5), loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 3)).astype("float32"),
              epochs=2, batch_size=4, verbose=0)
    kernel = np.asarray(model.layers[0].params["kernel"])
    assert np.abs(kernel).max() <= 0.05 + 1e-7
    assert np.isclose(np.abs(kernel), 0.05).any()  # the constraint did bind

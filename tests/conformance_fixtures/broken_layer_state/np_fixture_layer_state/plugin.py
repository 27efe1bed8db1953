"""Variants of conformance_good's correct RunningCenter, each with one bug that only a check of the
layer's state, of its inference-mode backward, or of its training mode on a second backend sees."""
from neuropil.base.backend import Backend
from neuropil.plugin_system.hookspecs import hookimpl
from np_fixture_good.components import RunningCenter


class InferenceUpdatingCenter(RunningCenter):
    def statistics(self, x, training):
        if training:
            return super().statistics(x, training)
        mean = self.params["moving_mean"].copy()
        super().statistics(x, True)  # the bug: an inference forward moves the running mean too
        return mean, 0.0


class TrainingBackwardCenter(RunningCenter):
    # With momentum 0 a training forward centers with the batch's own mean, whatever the state: a
    # deterministic training forward, which a suite checking gradients in training mode only passes.
    example_configs = ({"momentum": 0.0},)

    def statistics(self, x, training):
        mean, _ = super().statistics(x, training)
        # The bug: the inference backward uses the training formula, as if the running mean it
        # centers with depended on this batch.
        return mean, (1 - self.momentum) / (x.size // x.shape[-1])


class FusedCenter(RunningCenter):
    """Correct: moves its running mean with the backend's fused kernel where there is one."""

    def update_running_mean(self, batch_mean):
        kernel = self.backend.fused("running_mean_update")
        if kernel is None:
            super().update_running_mean(batch_mean)
        else:
            kernel(self.params["moving_mean"], batch_mean, self.momentum)


def swapped_running_mean_update(moving, batch_mean, momentum):
    moving *= 1 - momentum  # the bug: the two weights are swapped
    moving += momentum * batch_mean


class FusedNumpy(Backend):
    """NumPy with one fused kernel, below NumPy's priority so that it is never chosen automatically."""

    name = "fused_numpy"
    priority = -1

    def fused(self, name):
        return swapped_running_mean_update if name == "running_mean_update" else None


@hookimpl
def neuropil_register_layers(register):
    register("InferenceUpdatingCenter", InferenceUpdatingCenter)
    register("TrainingBackwardCenter", TrainingBackwardCenter)
    register("FusedCenter", FusedCenter)


@hookimpl
def neuropil_register_backends(register):
    register("fused_numpy", FusedNumpy)

from neuropil.plugin_system.hookspecs import hookimpl

from . import components as c


@hookimpl
def neuropil_register_activations(register):
    register("good_tanh", c.Tanh)
    register("good_relu", c.Relu)
    register("good_softmax", c.Softmax)


@hookimpl
def neuropil_register_layers(register):
    register("ReluDense", c.ReluDense)
    register("RunningCenter", c.RunningCenter)


@hookimpl
def neuropil_register_losses(register):
    register("good_mse", c.MeanSquaredError)
    register("good_mae", c.MeanAbsoluteError)
    register("good_cce", c.CategoricalCrossentropy)


@hookimpl
def neuropil_register_optimizers(register):
    register("good_momentum", c.Momentum)


@hookimpl
def neuropil_register_metrics(register):
    register("good_mae_metric", c.MeanAbsoluteErrorMetric)


@hookimpl
def neuropil_register_regularizers(register):
    register("good_l1", c.L1)


@hookimpl
def neuropil_register_initializers(register):
    register("good_normal", c.Normal)
    register("good_identity", c.Identity)


@hookimpl
def neuropil_register_constraints(register):
    register("good_max_norm", c.MaxNorm)


@hookimpl
def neuropil_register_schedules(register):
    register("good_step_decay", c.StepDecay)

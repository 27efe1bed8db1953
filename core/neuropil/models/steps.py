"""One training step and one test step, for any model: the executor's forward, each output's loss,
the executor's backward, the optimizer update.

With one output and no loss weight this is exactly the arithmetic of a hand-written chain (the loss
value and its gradient are not multiplied by 1), so a Sequential model and the same functional
model train bit-identically.
"""
from __future__ import annotations

from typing import Any

from ..graph.executor import Executor, GradientPlan
from ..plugin_system.attribution import names_plugin_on_error
from .compiled import Compiled


def _losses(compiled: Compiled, ys: list[Any], outs: list[Any], weights: Any,
            with_gradients: bool) -> tuple[Any, list[Any], list[Any]]:
    objectives = compiled.objectives
    if len(objectives) == 1 and objectives[0].weight is None:  # one output: nothing to weigh or sum
        value, backward = objectives[0].training_loss.forward(ys[0], outs[0], weights)
        return value, [value], [backward() if with_gradients else None]
    total: Any = None
    per_output: list[Any] = []
    grads: list[Any] = []
    for objective, y, out in zip(compiled.objectives, ys, outs):
        value, backward = objective.training_loss.forward(y, out, weights)
        grad = backward() if with_gradients else None
        if objective.weight is not None:
            per_output.append(value)
            value = value * objective.weight
            if grad is not None:
                grad = grad * objective.weight
        else:
            per_output.append(value)
        total = value if total is None else total + value
        grads.append(grad)
    return total, per_output, grads


def update_metrics(compiled: Compiled, ys: list[Any], outs: list[Any], weights: Any) -> None:
    for objective, y, out in zip(compiled.objectives, ys, outs):
        if not objective.metrics:
            continue
        predictions = objective.predictions(out)
        for index, metric in enumerate(objective.metrics):
            if weights is None or not objective.weighs(index):
                metric.update_state(y, predictions)
            else:
                metric.update_state(y, predictions, sample_weight=weights)


def _gradient_step(executor: Executor, compiled: Compiled, plan: GradientPlan, xs: list[Any], ys: list[Any],
                   weights: Any = None) -> tuple[Any, list[Any], list[Any]]:
    """Forward, losses, backward, penalties, update, constraints: one step without metrics.

    Returns the total loss, each output's loss and the outputs (device values). It is the part of a
    step that reads and writes device buffers only, so it is both the eager step's body and what
    ``compile(jit_compile=True)`` captures (:mod:`.captured_step`); metrics stay outside it.
    """
    outs, backs = executor.forward(xs, True, True)
    total, per_output, grads = _losses(compiled, ys, outs, weights, True)
    executor.backward(backs, grads)
    for layer in plan.regularized:
        total = total + layer.regularization_loss()
        layer.add_regularization_gradients()
    compiled.optimizer.apply_gradients([(key, layer.params[n], layer.grads[n]) for key, layer, n in plan.slots])
    for layer in plan.constrained:
        layer.apply_constraints()
    return total, per_output, outs


#: The captured path's entry (exceptions name the plugin component they came from); the eager
#: :func:`train_step` calls the plain function, inside its own such wrapper, to save a call per step.
gradient_step = names_plugin_on_error(_gradient_step)


@names_plugin_on_error
def train_step(executor: Executor, compiled: Compiled, plan: GradientPlan, xs: list[Any], ys: list[Any],
               weights: Any = None) -> tuple[Any, list[Any]]:
    """Forward, losses, backward, update, then the metrics; returns the total loss and each output's
    (device scalars)."""
    total, per_output, outs = _gradient_step(executor, compiled, plan, xs, ys, weights)
    update_metrics(compiled, ys, outs, weights)
    return total, per_output


@names_plugin_on_error
def test_step(executor: Executor, compiled: Compiled, layers: list[Any], xs: list[Any], ys: list[Any],
              weights: Any = None) -> tuple[Any, list[Any]]:
    """The loss (weight penalties included, as Keras reports it) and metric updates, no training."""
    outs, _ = executor.forward(xs, False, False)
    total, per_output, _ = _losses(compiled, ys, outs, weights, False)
    for layer in layers:
        for name, regularizer in layer.regularizers.items():
            total = total + regularizer.loss(layer.params[name])
    update_metrics(compiled, ys, outs, weights)
    return total, per_output


__all__ = ["gradient_step", "train_step", "test_step", "update_metrics"]

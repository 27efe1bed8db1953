"""What ``compile`` resolves: the loss, the optimizer, the metrics, and the fused output path."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import losses, metrics, optimizers
from ..base.loss import Loss
from ..base.metric import MeanMetricWrapper, Metric
from ..errors import ArgumentError, ArgumentTypeError


@dataclass
class Objective:
    """What ``compile`` set for one model output: its loss, the loss's weight in the total, and its
    metrics (resolved once the output's shape is known)."""
    output_name: str
    loss: Loss
    metric_specs: list[Any]
    #: Keras's ``weighted_metrics``: the only metrics that see ``sample_weight`` / ``class_weight``.
    weighted_metric_specs: list[Any] = field(default_factory=list)
    #: ``loss_weights``' entry; None is 1 without a multiplication (keeps one output bit-identical).
    weight: float | None = None
    #: Resolved once the output shape is known: ``metric_specs``' metrics, then the weighted ones.
    metrics: list[Metric] = field(default_factory=list)
    #: The logits loss and the output activation when they fold together (see :func:`fused_output`).
    fused: tuple[Any, Any] = (None, None)

    @property
    def resolved(self) -> bool:
        return len(self.metrics) == len(self.metric_specs) + len(self.weighted_metric_specs)

    def weighs(self, index: int) -> bool:
        """Whether ``metrics[index]`` is a weighted metric."""
        return index >= len(self.metric_specs)

    def resolve_metrics(self, output_shape: tuple[int, ...], prefix: str = "") -> None:
        self.metrics = resolve_metrics(self.metric_specs, self.loss, output_shape, self.weighted_metric_specs)
        for metric in self.metrics:
            if prefix and not metric.name.startswith(prefix):
                metric.name = prefix + metric.name

    @property
    def training_loss(self) -> Loss:
        """The loss the step calls: the logits variant when the output's activation folds into it."""
        return self.fused[0] if self.fused[0] is not None else self.loss

    def predictions(self, out: Any) -> Any:
        logits_loss, activation = self.fused
        return activation(out) if logits_loss is not None else out


@dataclass
class Compiled:
    optimizer: Any
    objectives: list[Objective]
    #: How ``loss`` was given (a dict, a list or one loss), so the compile settings save as given.
    loss_structure: str = "single"

    @property
    def loss(self) -> Any:
        """The loss of a single-output model; the list of losses of a multi-output one."""
        return self.objectives[0].loss if len(self.objectives) == 1 else [o.loss for o in self.objectives]

    @property
    def metric_specs(self) -> list[Any]:
        return self.objectives[0].metric_specs

    @property
    def weighted_metric_specs(self) -> list[Any]:
        return self.objectives[0].weighted_metric_specs

    @property
    def metrics(self) -> list[Metric]:
        """Every output's metrics, in output order (their names are the logs' keys)."""
        return [metric for objective in self.objectives for metric in objective.metrics]

    @property
    def resolved(self) -> bool:
        return all(objective.resolved for objective in self.objectives)

    def resolve_metrics(self, output_shapes: list[tuple[int, ...]]) -> None:
        several = len(self.objectives) > 1
        for objective, shape in zip(self.objectives, output_shapes):
            objective.resolve_metrics(shape, f"{objective.output_name}_" if several else "")

    def forget_resolved(self) -> None:
        for objective in self.objectives:
            objective.metrics = []
            objective.fused = (None, None)


def resolve_loss(identifier: Any) -> Loss:
    if identifier is None:
        raise ArgumentError("compile() needs a loss: a name such as 'mse', a Loss instance, or fn(y_true, "
                            "y_pred), received loss=None")
    loss = losses.get(identifier)
    if getattr(loss, "reduction", None) == "none":
        # a per-sample vector cannot be differentiated as one training objective
        raise ArgumentError(f"compile() needs a loss that reduces to one number, received loss {loss.name!r} "
                            f"with reduction='none'; use 'sum_over_batch_size' (the default) or 'sum'")
    return loss


def resolve_optimizer(identifier: Any) -> Any:
    if identifier is None:  # optimizers.get(None) is None, which would fail at the first step
        raise ArgumentError("compile() needs an optimizer: a name such as 'adam', a config dict or an "
                            "Optimizer instance, received optimizer=None")
    return optimizers.get(identifier)


def resolve_metrics(specs: list[Any], loss: Loss, output_shape: tuple[int, ...],
                    weighted_specs: Sequence[Any] = ()) -> list[Metric]:
    """Metric objects for the compiled specs, then the weighted ones. A name resolves through the
    metrics registry, and the registered metric may specialise itself to the loss and output shape
    (``Metric.for_compile``: how 'accuracy' becomes binary, categorical or sparse accuracy); a loss
    name is the mean of that loss.

    Names are made unique as Keras names them, since the logs are keyed by name: a repeated metric
    becomes ``name_1``, a weighted metric whose name is taken becomes ``weighted_name``.
    """
    resolved = [_resolve_one(spec, loss, output_shape) for spec in [*specs, *weighted_specs]]
    seen: dict[str, int] = {}
    for index, metric in enumerate(resolved):
        if index >= len(specs) and metric.name in seen:
            metric.name = f"weighted_{metric.name}"
        count = seen.get(metric.name, 0)
        seen[metric.name] = count + 1
        if count:
            metric.name = f"{metric.name}_{count}"
    return resolved


def _resolve_one(spec: Any, loss: Loss, output_shape: tuple[int, ...]) -> Metric:
    if isinstance(spec, Metric):
        return spec
    if isinstance(spec, str):
        from ..plugin_system.namespace import registry

        if spec in registry("metrics") or ":" in spec:
            # Keras: a metric named by a string logs under that string (without a "distribution:" prefix)
            shown_as = spec.rsplit(":", 1)[-1]
            factory = registry("metrics").lookup(spec).factory
            chosen = getattr(factory, "for_compile", None)  # the Metric protocol; factories may be plain functions
            specialised = chosen(shown_as, loss, tuple(output_shape)) if callable(chosen) else None
            return specialised if specialised is not None else metrics.get(spec, name=shown_as)
        if spec in registry("losses"):
            return _loss_metric(spec, spec)
        return metrics.get(spec)  # raises with suggestions
    if isinstance(spec, dict):
        return metrics.get(spec)
    if callable(spec):
        return MeanMetricWrapper(spec, name=getattr(spec, "__name__", None))
    raise ArgumentTypeError(f"could not interpret metric {spec!r}: expected a name, a Metric instance or "
                    f"fn(y_true, y_pred), received {type(spec).__name__}")


def _loss_metric(loss_name: str, shown_as: str) -> Metric:
    loss = losses.get(loss_name)
    metric = MeanMetricWrapper(lambda y_true, y_pred: loss.per_sample(y_true, y_pred)[0], name=shown_as)
    metric.direction = "down"  # a loss: smaller is better
    return metric


def fused_output(last_layer: Any, loss: Loss) -> tuple[Loss | None, Any]:
    """The logits loss and the activation, when the output layer offers its logits
    (``Layer.logits_activation``) and the loss has a variant taking them (``Loss.logits_variant``)."""
    activation = last_layer.logits_activation()
    name = getattr(activation, "name", None)
    if activation is None or not isinstance(name, str):
        return None, None
    logits_loss = loss.logits_variant(name)
    return (logits_loss, activation) if logits_loss is not None else (None, None)


__all__ = ["Compiled", "Objective", "resolve_loss", "resolve_optimizer", "resolve_metrics", "fused_output"]

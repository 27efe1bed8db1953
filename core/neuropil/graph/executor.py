"""The one graph executor: forward, backward and feature extraction over a planned graph.

The plan is made once per model (:class:`Executor` construction): the topological order of the layer
calls, the slot each tensor's value lives in, and which calls are shared. What depends on the layers'
``trainable`` flags (which calls need a backward, which layers must return ``dx``) is derived again by
:meth:`Executor.plan_gradients`, cheaply, once per epoch, as the flags may change between fits.

Running is a loop over steps reading and writing a flat list of values, so a chain (a Sequential
model) costs what the hand-written loop over layers cost: one list read and one write per layer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ModelError
from .tensor import Node, SymbolicTensor, walk_back


@dataclass
class Step:
    """One layer call: where its inputs are read from and its outputs written to."""
    layer: Any
    inputs: list[int]
    outputs: list[int]
    as_list: bool
    #: Run ``forward_logits`` (the output layer's activation folds into the loss).
    logits: bool = False
    #: Run backward through this call (it or something before it has trainable parameters).
    needs_backward: bool = True
    #: The layer is called more than once in this graph: its gradients are summed over the calls.
    shared: bool = False
    #: Training runs this call's ``forward_logits``: its activation is applied after the next call,
    #: which commutes with it (see :meth:`Executor.plan_deferrals`).
    defers: bool = False
    #: The activation this call applies to its output on behalf of the call feeding it.
    applies: Any = None
    #: Training hands this call's output to its one reader in this arrangement (the reader's
    #: ``input_arrangement()``), through ``forward_arranged`` (see :meth:`Executor.plan_deferrals`).
    hands: Any = None
    #: This call's input comes in this arrangement: training runs ``forward_from_arranged``.
    takes: Any = None


@dataclass
class GradientPlan:
    """What a training step touches, for the layers' current ``trainable`` flags."""
    #: (optimizer key, layer, parameter name) for every trainable parameter.
    slots: list[tuple[str, Any, str]]
    regularized: list[Any]
    constrained: list[Any]
    #: Index of the first step that needs a backward (steps before it run forward only).
    first_backward: int
    backward_steps: list[int] = field(default_factory=list)


def leaf_layers(layer: Any) -> list[Any]:
    """``layer`` itself, or for a model used as a layer, the layers it is made of (recursively)."""
    inner = getattr(layer, "graph_layers", None)
    if inner is None:
        return [layer]
    return [leaf for each in inner() for leaf in leaf_layers(each)]


def _trains(layer: Any) -> bool:
    return any(leaf.trainable and leaf.trainable_params and getattr(layer, "trainable", True)
               for leaf in leaf_layers(layer))


class Executor:
    """Runs the graph from ``inputs`` to ``outputs`` (symbolic tensors); raises :class:`ModelError`
    when an output does not depend on the given inputs alone."""

    def __init__(self, inputs: list[SymbolicTensor], outputs: list[SymbolicTensor], owner: str = "model") -> None:
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.owner = owner
        input_ids = {id(t) for t in self.inputs}
        input_nodes = {id(t.node) for t in self.inputs}
        slot: dict[int, int] = {id(t): i for i, t in enumerate(self.inputs)}
        self.nodes: list[Node] = []
        steps: list[Step] = []
        for node in _nodes_between(self.outputs, input_nodes):
            if id(node) in input_nodes:
                continue
            if not node.inbound:
                raise ModelError(
                    f"{owner}: the outputs depend on input {node.outbound[0].name!r}, which is not among the "
                    f"model's inputs ({', '.join(t.name for t in self.inputs)}); the graph does not connect "
                    f"the inputs to the outputs")
            for tensor in node.inbound:
                if id(tensor) not in slot and id(tensor) not in input_ids:
                    raise ModelError(f"{owner}: tensor {tensor.name!r} is used before it is computed")
            out_slots = []
            for tensor in node.outbound:
                slot.setdefault(id(tensor), len(slot))
                out_slots.append(slot[id(tensor)])
            steps.append(Step(node.layer, [slot[id(t)] for t in node.inbound], out_slots, node.called_with_list))
            self.nodes.append(node)
        for tensor in self.outputs:
            if id(tensor) not in slot:
                raise ModelError(f"{owner}: output {tensor.name!r} cannot be computed from the inputs")
        counts: dict[int, int] = {}
        for step in steps:
            counts[id(step.layer)] = counts.get(id(step.layer), 0) + 1
        for step in steps:
            step.shared = counts[id(step.layer)] > 1
        self.steps = steps
        self.n_slots = len(slot)
        self.output_slots = [slot[id(t)] for t in self.outputs]
        consumers: dict[int, int] = {}
        for step in steps:
            for s in step.inputs:
                consumers[s] = consumers.get(s, 0) + 1
        self._consumers = consumers
        self._producer = {s: i for i, step in enumerate(steps) for s in step.outputs}
        self._sub: dict[tuple[int, ...], Executor] = {}
        self.gradient_plan: GradientPlan | None = None
        #: Whether :meth:`plan_deferrals` moved any activation or arranged any hand-over (the training
        #: forward then takes the general loop of :meth:`forward`, which carries them out).
        self.rearranges = False
        #: A chain (each call reads the previous call's one output, no layer called twice): run by the
        #: plain loops of :meth:`_forward_chain` / :meth:`_backward_chain`, the cost of a hand-written
        #: Sequential loop.
        self.is_chain = len(self.inputs) == 1 and len(self.outputs) == 1 and all(
            not step.as_list and len(step.outputs) == 1 and not step.shared
            and step.inputs[0] == (steps[i - 1].outputs[0] if i else 0) for i, step in enumerate(steps)) \
            and (self.output_slots[0] == (steps[-1].outputs[0] if steps else 0))

    # -- planning ----------------------------------------------------------------------------------
    def layers(self) -> list[Any]:
        """Each layer called in the graph once, in execution order."""
        seen: dict[int, Any] = {}
        for step in self.steps:
            seen.setdefault(id(step.layer), step.layer)
        return list(seen.values())

    def set_logits(self, flags: list[bool]) -> list[bool]:
        """Let the producer of output ``i`` return logits where ``flags[i]``; returns where that was
        possible: the output must come from a single-output call whose tensor nothing else reads."""
        for step in self.steps:
            step.logits = False
        granted = []
        for out_slot, wanted in zip(self.output_slots, flags):
            index = self._producer.get(out_slot)
            ok = bool(wanted) and index is not None and len(self.steps[index].outputs) == 1 \
                and not self._consumers.get(out_slot) and self.output_slots.count(out_slot) == 1 \
                and not self.steps[index].shared
            if ok and index is not None:
                self.steps[index].logits = True
            granted.append(ok)
        return granted

    def plan_gradients(self) -> GradientPlan:
        """Which steps need a backward, and tell each layer whether anybody reads its ``dx``."""
        needs: list[bool] = []
        slot_needs = [False] * self.n_slots
        for step in self.steps:
            need = _trains(step.layer) or any(slot_needs[s] for s in step.inputs)
            for s in step.outputs:
                slot_needs[s] = need
            needs.append(need)
        wants_dx: dict[int, bool] = {}
        for step, need in zip(self.steps, needs):
            step.needs_backward = need
            dx = any(slot_needs[s] for s in step.inputs)
            wants_dx[id(step.layer)] = wants_dx.get(id(step.layer), False) or dx
        for step in self.steps:
            if not _is_model(step.layer):
                step.layer.input_gradient = wants_dx[id(step.layer)]
        layers = [leaf for layer in self.layers() for leaf in leaf_layers(layer)]
        first = next((i for i, n in enumerate(needs) if n), len(self.steps))
        plan = GradientPlan(
            slots=[(f"{layer.name}/{name}", layer, name) for layer in layers if layer.trainable
                   for name in layer.params if name in layer.trainable_params],
            regularized=[layer for layer in layers if layer.has_loss_terms],
            constrained=[layer for layer in layers if layer.constraints],
            first_backward=first,
            backward_steps=[i for i, n in enumerate(needs) if n],
        )
        self.gradient_plan = plan
        self.plan_deferrals()
        return plan

    def plan_all(self) -> None:
        """Backward through every step and every ``dx``: the plan of a model used as a layer, whose
        caller may need the gradient of its inputs."""
        for step in self.steps:
            step.needs_backward = True
            if not _is_model(step.layer):
                step.layer.input_gradient = True
        self.gradient_plan = None
        self.plan_deferrals()

    def plan_deferrals(self) -> None:
        """What training may rearrange between a call and the one call reading its output, with the
        same results, where the tensor between them is read by nothing else (not a model output,
        not a shared call), so that what a user can observe (outputs, feature extraction,
        predictions) never changes. Asked of the layers' declared protocols; re-planned with the
        gradients, since layers' activations may be set between fits.

        - The activation moves past the reader: a Conv2D's relu after the MaxPooling2D that follows
          it works on a quarter of the values, forward and backward (max pooling commutes with any
          non-decreasing activation): ``Layer.deferrable_activation()`` and
          ``Layer.commutes_with(activation)``.
        - The output is handed over arranged as the reader reads it fastest: a convolution writes its
          output window by window for the max pooling reading it, so the pooling reads whole rows
          where the plain layout hands it a few channels at a time, and positions no window reads
          are never computed: ``Layer.input_arrangement()`` of the reader, ``Layer.arranges()`` of
          the producer."""
        for step in self.steps:
            step.defers, step.applies, step.hands, step.takes = False, None, None, None
        consumer_of = {s: j for j, step in enumerate(self.steps) for s in step.inputs}
        self.rearranges = False
        for step in self.steps:
            if step.shared or step.logits or len(step.outputs) != 1 or step.applies is not None \
                    or step.takes is not None:
                continue
            out = step.outputs[0]
            if self._consumers.get(out) != 1 or out in self.output_slots or _is_model(step.layer):
                continue
            reader = self.steps[consumer_of[out]]
            if reader.shared or reader.as_list or reader.logits or _is_model(reader.layer):
                continue
            activation = step.layer.deferrable_activation()
            if activation is not None and reader.layer.commutes_with(activation):
                step.defers, reader.applies = True, activation
                self.rearranges = True
            arrangement = reader.layer.input_arrangement()
            if arrangement is not None and step.layer.arranges(arrangement):
                step.hands, reader.takes = arrangement, arrangement
                self.rearranges = True

    def to(self, tensors: list[SymbolicTensor]) -> Executor:
        """An executor from the same inputs to other tensors of the graph (feature extraction),
        planned once per set of tensors."""
        key = tuple(id(t) for t in tensors)
        if key not in self._sub:
            self._sub[key] = Executor(self.inputs, tensors, self.owner)
        return self._sub[key]

    # -- running -----------------------------------------------------------------------------------
    def forward(self, xs: list[Any], training: bool, with_backward: bool,
                logits: bool = True) -> tuple[list[Any], list[Any]]:
        """The outputs for input arrays ``xs`` and, with ``with_backward``, one backward closure per
        step (None for steps that need none). The outputs are the logits where :meth:`set_logits`
        granted them, unless ``logits`` is False (predictions)."""
        # Moved activations and arranged hand-overs (plan_deferrals) apply in training only, and only
        # this general loop runs them: the plain chain loop stays what a hand-written Sequential loop costs.
        rearranging = with_backward and self.rearranges
        if self.is_chain and not rearranging:
            return self._forward_chain(xs[0], training, with_backward, logits)
        values: list[Any] = [None] * self.n_slots
        values[:len(xs)] = xs
        backs: list[Any] = []
        for step in self.steps:
            inputs = step.inputs
            x = [values[s] for s in inputs] if step.as_list else values[inputs[0]]
            if rearranging and step.hands is not None:
                y, back = step.layer.forward_arranged(x, training, step.hands, not step.defers)
            elif rearranging and step.takes is not None:
                y, back = step.layer.forward_from_arranged(x, training, step.takes)
            elif (step.logits and logits) or (rearranging and step.defers):
                y, back = step.layer.forward_logits(x, training)
            else:
                y, back = step.layer.forward(x, training)
            if rearranging and step.applies is not None:  # the activation of the call feeding this one
                y, activation_back = step.applies.forward(y)
                back = _through(activation_back, back)
            outs = step.outputs
            if len(outs) == 1:
                values[outs[0]] = y
            else:
                for s, value in zip(outs, y):
                    values[s] = value
            if with_backward:
                backs.append(back if step.needs_backward else None)
        return [values[s] for s in self.output_slots], backs

    def _forward_chain(self, x: Any, training: bool, with_backward: bool,
                       logits: bool) -> tuple[list[Any], list[Any]]:
        backs: list[Any] = []
        h = x
        for step in self.steps:
            if step.logits and logits:
                h, back = step.layer.forward_logits(h, training)
            else:
                h, back = step.layer.forward(h, training)
            if with_backward:
                backs.append(back if step.needs_backward else None)
        return [h], backs

    def _backward_chain(self, backs: list[Any], grad: Any) -> list[Any]:
        # In a chain the steps needing a backward are a suffix: stop at the first that needs none.
        for back in reversed(backs):
            if back is None or grad is None:
                return [None]
            grad = back(grad)
        return [grad]

    def backward(self, backs: list[Any], output_grads: list[Any]) -> list[Any]:
        """Run the backward closures in reverse from the outputs' gradients; parameter gradients of a
        shared layer are summed over its calls. Returns the inputs' gradients (None where unneeded)."""
        if self.is_chain:
            return self._backward_chain(backs, output_grads[0])
        grads: list[Any] = [None] * self.n_slots
        for s, g in zip(self.output_slots, output_grads):
            if g is not None:
                grads[s] = g if grads[s] is None else grads[s] + g
        summed: dict[int, tuple[Any, dict[str, Any]]] = {}
        steps = self.steps
        for index in range(len(steps) - 1, -1, -1):
            back = backs[index]
            if back is None:
                continue
            step = steps[index]
            outs = step.outputs
            g = grads[outs[0]] if len(outs) == 1 else [grads[s] for s in outs]
            if g is None:
                continue
            dx = back(g)
            if step.shared:
                _accumulate(summed, step.layer)
            if dx is None:
                continue
            if step.as_list:
                for s, d in zip(step.inputs, dx):
                    if d is not None:
                        grads[s] = d if grads[s] is None else grads[s] + d
            else:
                s = step.inputs[0]
                grads[s] = dx if grads[s] is None else grads[s] + dx
        for layer, total in summed.values():
            layer.grads = total
        return [grads[i] for i in range(len(self.inputs))]


def _is_model(layer: Any) -> bool:
    """A model called as a layer: its own executor plans inside it; it is never a deferral partner."""
    return getattr(layer, "graph_layers", None) is not None


def _through(activation_backward: Any, backward: Any) -> Any:
    """The backward of a call followed by an activation: through the activation, then the call."""
    def composed(dy: Any) -> Any:
        return backward(activation_backward(dy))

    return composed


def _accumulate(summed: dict[int, tuple[Any, dict[str, Any]]], layer: Any) -> None:
    """Add the gradients one call just assigned to the running sums (a nested model: its layers')."""
    for leaf in leaf_layers(layer):
        current = leaf.grads
        if id(leaf) not in summed:
            summed[id(leaf)] = (leaf, {name: value.copy() for name, value in current.items()})
            continue
        total = summed[id(leaf)][1]
        for name, value in current.items():
            total[name] = total[name] + value if name in total else value.copy()


def _nodes_between(outputs: list[SymbolicTensor], stop: set[int]) -> list[Node]:
    """The nodes the outputs depend on, stopping at the input nodes, parents first."""
    order: list[Node] = []
    done: set[int] = set()
    for tensor in outputs:
        stack: list[tuple[Node, bool]] = [(tensor.node, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in done:
                continue
            if expanded or id(node) in stop:
                done.add(id(node))
                order.append(node)
                continue
            stack.append((node, True))
            for parent in reversed(node.parents):
                if id(parent) not in done:
                    stack.append((parent, False))
    return order


__all__ = ["Executor", "GradientPlan", "Step", "leaf_layers", "walk_back"]

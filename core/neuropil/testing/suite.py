"""The conformance suite as data: one case per (installed component, property), runnable anywhere.

The pytest plugin turns each case into a test item and ``neuropil check`` runs them directly; both
report a failure the same way: the component (with the distribution that provides it), the property,
what went wrong on the smallest failing example Hypothesis found, and that example.
"""
from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..plugin_system.registry import Entry, normalize
from .instances import ConformanceSkip
from .properties import (
    activations,
    backends,
    constraints,
    finiteness,
    initializers,
    layers,
    losses,
    metrics,
    optimizers,
    reference,
    regularizers,
    schedules,
)

Check = Callable[[Entry], None]


def _with_backends(kind: str, properties: Mapping[str, Check]) -> dict[str, Check]:
    return {**properties, "backends": backends.consistency(kind)}


def _only(properties: Mapping[str, Check]) -> dict[str, Check]:
    return dict(properties)


#: Property checks by component kind. ``backends`` compares a component across backends where it
#: computes on them; initializers and schedules never compute on a backend (initial values and rates
#: are made on the host).
PROPERTIES: dict[str, dict[str, Check]] = {
    "layers": _with_backends("layers", {**layers.PROPERTIES, "reference": reference.layer}),
    "activations": _with_backends("activations", {**activations.PROPERTIES, "reference": reference.activation,
                                                    "finite": finiteness.activation}),
    "losses": _with_backends("losses", {**losses.PROPERTIES, "reference": reference.loss,
                                          "finite": finiteness.loss}),
    "optimizers": _with_backends("optimizers", optimizers.PROPERTIES),
    "metrics": _with_backends("metrics", {**metrics.PROPERTIES, "reference": reference.metric}),
    "backends": _only(backends.PROPERTIES),
    "regularizers": _with_backends("regularizers", regularizers.PROPERTIES),
    "initializers": _only(initializers.PROPERTIES),
    "constraints": _with_backends("constraints", constraints.PROPERTIES),
    "schedules": _only(schedules.PROPERTIES),
}


@dataclass(frozen=True)
class Case:
    """One property of one registered component."""

    kind: str
    name: str
    prop: str
    entry: Entry
    check: Check

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.name}:{self.prop}"

    def run(self) -> None:
        """Run the check; raises :class:`ConformanceFailure` or :class:`ConformanceSkip`."""
        try:
            self.check(self.entry)
        except ConformanceSkip:
            raise
        except Exception as exc:  # noqa: BLE001 - any error of the component is its failure
            raise ConformanceFailure(self, exc) from exc


class ConformanceFailure(AssertionError):
    """A component failed a property; ``str()`` is the report a plugin author reads."""

    def __init__(self, case: Case, error: BaseException) -> None:
        self.case, self.error = case, error
        super().__init__(self.report())

    def report(self) -> str:
        source = self.case.entry.source.describe()
        message = str(self.error) or type(self.error).__name__
        if not isinstance(self.error, AssertionError):  # a crash, not a wrong value: show where
            where = traceback.extract_tb(self.error.__traceback__)[-1]
            message = f"{type(self.error).__name__}: {message} (raised at {where.filename}:{where.lineno})"
        singular = "loss" if self.case.kind == "losses" else self.case.kind[:-1]
        lines = [f"{singular} {self.case.name!r} from {source} fails {self.case.prop!r}:",
                 f"  {message}"]
        notes = [n for n in getattr(self.error, "__notes__", []) if n.strip()]
        if notes:
            lines.append("  Smallest failing example:")
            lines.extend("    " + line for note in notes for line in note.splitlines())
        return "\n".join(lines)


def _selected(entry: Entry, plugins: Sequence[str] | None) -> bool:
    if not plugins:
        return True
    names = {normalize(entry.source.plugin), normalize(entry.source.distribution or "")}
    return any(normalize(p) in names for p in plugins)


def cases(plugins: Sequence[str] | None = None, kinds: Iterable[str] | None = None) -> list[Case]:
    """Every case for the installed components, or only those of the named plugins/distributions."""
    from ..plugin_system.manager import manager

    out: list[Case] = []
    registries = manager().registries
    for kind, properties in PROPERTIES.items():
        if kinds is not None and kind not in kinds:
            continue
        entries = [e for e in registries[kind].entries() if _selected(e, plugins)
                   and not getattr(e.factory, "makes_symbolic_tensor", False)]  # Input: InputLayer's tensor
        names = [e.name for e in entries]
        for entry in entries:
            name = entry.name if names.count(entry.name) == 1 else f"{entry.source.plugin}/{entry.name}"
            out.extend(Case(kind, name, prop, entry, check) for prop, check in properties.items())
    return out


@dataclass
class Outcome:
    case: Case
    status: str  # "passed", "failed", "skipped"
    detail: str
    seconds: float


def run_cases(selected: Sequence[Case], echo: Callable[[str], None] = print) -> list[Outcome]:
    """Run ``selected`` in order, echoing one line per case, and return the outcomes."""
    outcomes = []
    for case in selected:
        start = time.perf_counter()
        try:
            case.run()
            status, detail = "passed", ""
        except ConformanceSkip as exc:
            status, detail = "skipped", str(exc)
        except ConformanceFailure as exc:
            status, detail = "failed", exc.report()
        outcome = Outcome(case, status, detail, time.perf_counter() - start)
        suffix = f" ({detail})" if status == "skipped" else ""
        echo(f"{status.upper():8} conformance[{case.id}] {outcome.seconds:.2f}s{suffix}")
        outcomes.append(outcome)
    return outcomes

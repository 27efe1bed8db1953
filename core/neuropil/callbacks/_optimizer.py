"""The compiled optimizer of the model a callback is attached to, or a clear error."""
from __future__ import annotations

from typing import Any

from ..errors import ModelError


def optimizer_of(model: Any, owner: str) -> Any:
    compiled = getattr(model, "compiled", None)
    if compiled is None or not hasattr(compiled.optimizer, "learning_rate"):
        raise ModelError(f"{owner} needs a compiled model whose optimizer has a learning_rate")
    return compiled.optimizer

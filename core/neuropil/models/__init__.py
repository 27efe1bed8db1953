"""neuropil.models: the Sequential model."""
from .sequential import Sequential

__all__ = ["Sequential"]

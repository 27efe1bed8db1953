"""neuropil.models: the Sequential model, and loading saved models."""
from ..saving import load_model
from .sequential import Sequential

__all__ = ["Sequential", "load_model"]

"""neuropil.models: the Sequential model, loading saved models, rebuilding from an architecture."""
from ..saving import load_model
from .cloning import clone_model, model_from_json
from .sequential import Sequential

__all__ = ["Sequential", "clone_model", "load_model", "model_from_json"]

"""Saving and loading: data, never code.

A model file is a safetensors file: tensors for weights and optimizer state, and a JSON config in its
metadata whose class names resolve only through the registries. Writes are atomic.
"""
from .errors import MissingPluginError, SavedFileError
from .model_file import load_model, save_model
from .weights_file import load_weights, save_weights

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "SavedFileError", "MissingPluginError"]

"""Preprocessing layers: Rescaling, and the image resizing and augmentation layers."""
from __future__ import annotations

from .random_affine import RandomRotation, RandomTranslation, RandomZoom
from .random_color import RandomBrightness, RandomContrast
from .random_crop import RandomCrop
from .random_flip import RandomFlip
from .rescaling import Rescaling
from .resizing import CenterCrop, Resizing

__all__ = ["CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation",
           "RandomTranslation", "RandomZoom", "Rescaling", "Resizing"]

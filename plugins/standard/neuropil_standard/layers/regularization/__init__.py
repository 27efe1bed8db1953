"""Regularization layers beyond Dropout: channel-wise dropout, noise, and activity penalties."""
from __future__ import annotations

from .activity_regularization import ActivityRegularization
from .noise import AlphaDropout, GaussianDropout, GaussianNoise
from .spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D

__all__ = ["ActivityRegularization", "AlphaDropout", "GaussianDropout", "GaussianNoise", "SpatialDropout1D",
           "SpatialDropout2D", "SpatialDropout3D"]

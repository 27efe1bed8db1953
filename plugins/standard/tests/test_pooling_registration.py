"""Every pooling and shape layer is registered by neuropil-standard under its Keras name and Keras's
aliases, and the conformance suite holds its gradient cases (so a layer dropped from the registration
list, or registered without reaching the suite, fails here rather than silently)."""
from __future__ import annotations

import neuropil
import neuropil.plugins
import pytest
from neuropil.testing.suite import cases

ALIASES = {f"{kind}{rank}D": f"{short}{rank}D" for rank in (1, 2, 3)
           for kind, short in [("MaxPooling", "MaxPool"), ("AveragePooling", "AvgPool"),
                               ("GlobalMaxPooling", "GlobalMaxPool"), ("GlobalAveragePooling", "GlobalAvgPool")]}
SHAPE_LAYERS = ["Reshape", "Permute", "RepeatVector", "Flatten"] + [
    f"{kind}{rank}D" for kind in ("UpSampling", "ZeroPadding", "Cropping") for rank in (1, 2, 3)]


@pytest.mark.parametrize("name, alias", sorted(ALIASES.items()))
def test_pooling_layers_resolve_by_name_and_alias(name: str, alias: str) -> None:
    factory = getattr(neuropil.layers, name)
    assert factory.__name__ == name and getattr(neuropil.layers, alias) is factory


def test_every_layer_reaches_the_conformance_suite() -> None:
    neuropil.plugins.reload()
    ids = {c.id for c in cases(["neuropil-standard"], kinds=["layers"])}
    for name in [*ALIASES, *SHAPE_LAYERS]:
        assert {f"layers:{name}:input_gradient", f"layers:{name}:pure_backward"} <= ids, name

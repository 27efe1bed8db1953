"""The contracts a plugin implements: one base class per component kind.

A plugin author subclasses these (``neuropil.base.layer.Layer``, ``neuropil.base.loss.Loss``, ...);
the core relies only on what they declare, including the optional protocols documented on each
(see docs/plugins.md). The Keras-style namespaces (``neuropil.layers``, ``neuropil.losses``, ...)
re-export them next to the registered components.
"""

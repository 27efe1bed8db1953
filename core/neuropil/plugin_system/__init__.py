"""The plugin machinery: hook specs (the contract with plugins), the plugin manager that loads entry
points, the name registries, and the Keras-style namespaces built on them.

Users reach it through :mod:`neuropil.plugins`; plugin authors through
:mod:`neuropil.plugin_system.hookspecs`.
"""

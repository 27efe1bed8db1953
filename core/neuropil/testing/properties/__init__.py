"""The conformance properties, one module per component kind.

Each module exports ``PROPERTIES``: property name -> ``check(entry)``, a function that runs a
Hypothesis test over inputs drawn for that registry entry and raises on the first (shrunk) failure.
"""

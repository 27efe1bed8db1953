"""Correct components of every kind: the conformance suite must pass all of them."""

"""A deliberately broken plugin for the conformance suite's own tests (see ../README.md)."""

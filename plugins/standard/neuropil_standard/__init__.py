"""neuropil-standard: the standard components, registered through the same hooks as any plugin."""

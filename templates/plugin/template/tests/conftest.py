"""Test settings for the plugin's own test suite."""
from __future__ import annotations

import os

# A plugin that fails to import or register is normally skipped with a warning, so that one broken
# plugin never takes a user's program down. Here that would hide exactly the bug to find: make it an
# error instead (before neuropil loads plugins, which happens on the first lookup).
os.environ.setdefault("NEUROPIL_STRICT_PLUGINS", "1")

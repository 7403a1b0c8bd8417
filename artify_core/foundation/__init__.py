"""The neutral layer every domain package builds on (with ``artify_core.errors``): hashing, registries,
frame checks, atomic publishing, cache locations, weights described as data.

Nothing here imports another ``artify_core`` package (``tests/test_layering.py``
checks it), so any domain package may import from here without a cycle.
"""

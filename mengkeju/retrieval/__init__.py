"""The matching engine: hybrid Chinese retrieval of achievements, demands, experts and platforms.

A plain Python package with no Django imports; the catalog reaches it through one adapter.
"""

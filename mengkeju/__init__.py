"""Mengkeju (蒙科聚): a regional technology-transfer service network platform."""

__version__ = "0.1.0"

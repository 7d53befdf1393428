"""Roomcast: live audio rooms that become podcasts."""

__version__ = "0.1.0"

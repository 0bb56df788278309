"""Version of the mapper package."""

__version__ = "0.1.0"

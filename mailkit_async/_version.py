"""The package version, the single source for the build backend."""

__version__ = "0.1.0"

"""mailplan: declarative mail infrastructure."""

__version__ = "0.1.0"

"""xtremer-robust: zero-shot cross-lingual robustness evaluation on XTREME-R."""

__version__ = "0.1.0"

__all__ = ["__version__"]

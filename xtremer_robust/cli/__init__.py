"""Command line: thin wrappers that parse, call the parts, and render. No logic lives only here."""

from xtremer_robust.cli.app import app, main

__all__ = ["app", "main"]

"""The language server for rule files (`cnam lsp`): diagnostics, hover, definitions, completion, formatting."""

from .server import build_server, serve

__all__ = ["build_server", "serve"]

"""Candidate files into counted facts (the reader: YAML or JSON → validated profile → months by category)."""

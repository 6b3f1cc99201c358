"""Standalone formats, each its own grammar: canonical JSON, SSH signatures, citation formats."""

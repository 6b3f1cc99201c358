"""Restoring seeds from a snapshot under their names, each checked against its digest first."""

"""Sharing a snapshot: citations, SSH signatures, WACZ, CDXJ and JSON lines for corpora."""

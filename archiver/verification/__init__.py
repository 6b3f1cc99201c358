"""Verifying a snapshot: every record rebuilt from the manifest and compared with the WARC."""

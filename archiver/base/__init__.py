"""Primitives every layer uses: atomic files, sha256 digests, dates, URIs, the worker pool."""

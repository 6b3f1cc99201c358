"""Packing a batch: per-seed work in worker processes, then records placed and the manifest
streamed."""

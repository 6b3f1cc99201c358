"""The manifest, the product: its types, files and loader, its id, schema, writer and chain,
and the records it implies (the one definition pack writes and verify checks)."""

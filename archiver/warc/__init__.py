"""WARC 1.1: building records, compressing them into gzip members, writing and reading them."""

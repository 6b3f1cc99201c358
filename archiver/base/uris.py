"""Target URIs and header safety.

warcio and warcit both let a CR/LF in a file name inject WARC headers. Every header value is
checked here, and URIs are percent-encoded from the name's UTF-8 bytes (RFC 3986), so a name can
never reach a header raw.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

URN_PREFIX = "urn:x-archiver:"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def check_header_value(value: str) -> str:
    """Return `value` if it may stand in a WARC header; raise ValueError if it holds a control."""
    if _CONTROL.search(value):
        raise ValueError(f"control character in {value!r}")
    return value


def check_header_values(values: list[str]) -> None:
    """`check_header_value` on each of `values`, at the cost of one search over them all.

    A record has a dozen values; the value-by-value check (for the error that names the bad
    one) runs only when the joined text holds a control character.
    """
    if _CONTROL.search("".join(values)):
        for value in values:
            check_header_value(value)


def target_uri(batch_id: str, path: str) -> str:
    """A location-independent `urn:` URI for a seed: batch id and percent-encoded path."""
    return f"{URN_PREFIX}{batch_id}:{encoded_path(path)}"


def encoded_path(path: str) -> str:
    """A seed's path as a URI path: its UTF-8 bytes percent-encoded, all but RFC 3986's
    unreserved characters and the `/` between folders (a space is `%20`, `%` is `%25`)."""
    return quote(path.encode("utf-8"), safe="/-._~")


def source_uri(source: str) -> str | None:
    """The absolute http(s) URL in a `source` cell, if there is exactly one, for WARC-Source-URI."""
    urls = re.findall(r"https?://[^\s<>()\[\]|\"']+", source)
    if len(urls) != 1:
        return None
    url = urls[0].rstrip(".,;")
    parts = urlsplit(url)
    return url if parts.scheme and parts.netloc else None

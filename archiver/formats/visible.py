"""Characters that change how a terminal or an editor lays text out instead of being shown, and
their visible escapes.

They are the C0 and C1 controls and DEL (a terminal acts on ESC, BEL, CSI, OSC, CR, LF), the
line and paragraph separators U+2028 and U+2029 (read as line breaks by editors and JSON-in-JS),
and every Unicode Bidi_Control character (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069:
an override shows `invoice\u202efdp.exe` as `invoiceexe.pdf`). A manifest field may hold any of
them, since anyone who can write a manifest and its sidecar chooses its strings; wherever such
text is shown, it is shown with these escaped."""

from __future__ import annotations

import re
from collections.abc import Callable

_BEYOND_C0 = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
INVISIBLE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
_JSON_RAW = re.compile(f"[{_BEYOND_C0}]")  # json.dumps escapes C0 itself


def escaped(text: str, form: Callable[[int], str] | None = None) -> str:
    """`text` with each such character written as `form(code)`: by default `\\x1b` below 256,
    else `\\u202e`, the escapes Python and a shell's `printf` read back."""
    form = form or _python_escape
    return INVISIBLE.sub(lambda match: form(ord(match.group())), text)


def json_escaped(text: str) -> str:
    """Text from `json.dumps` (which escapes C0 itself) with each other such character as a `\\u`
    escape: json.loads reads the same value. Outside strings JSON text holds only ASCII (its
    line breaks and indents included), so every match is inside a string."""
    return _JSON_RAW.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _python_escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

"""1 MB INDEX.md files of several shapes, for the parse-time section (issue 16: linear parsing).

`rows` is a plain table of many seeds; the others are the shapes the security review found
super-linear (a heading with a long run of spaces, a batch field line with one, a header row
with many columns), each grown to 1 MB.
"""

from __future__ import annotations

from pathlib import Path

SIZE = 1 << 20
_TABLE = "| file | source | language | captured |\n|---|---|---|---|\n| a.txt | https://example.org/a | en | 2021 |\n"
INDEX_SHAPES = {
    "rows": "a table of 1 MB (rows of six columns, escaped pipes, code spans)",
    "heading": "a heading holding 1 MB of spaces (no title field)",
    "field": "a batch field line holding 1 MB of spaces",
    "columns": "a header row of 1 MB of columns",
}


def write_shape(folder: Path, shape: str) -> Path:
    """Write the INDEX.md of `shape` into folder/shape/ (once) and return its path."""
    path = folder / shape / "INDEX.md"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_text(shape), encoding="utf-8")
    return path


def _text(shape: str) -> str:
    if shape == "heading":
        return "# a" + " " * SIZE + "b\n\n" + _TABLE
    if shape == "field":
        return "a" + " " * SIZE + "b\n\n" + _TABLE
    if shape == "columns":
        count = SIZE // 13  # "cNNNNN | " in the header, "---|" in the separator
        header = "| file | source | language | captured | " + " | ".join(
            f"c{n:05d}" for n in range(count)) + " |\n"
        return header + "|" + "---|" * (count + 4) + "\n"
    lines = ["# Rows", "", "- title: a 1 MB table", "",
             "| file | title | source | language | captured | notes |",
             "|---|---|---|---|---|---|"]
    number, size = 0, 0
    while size < SIZE:
        line = (f"| `d{number // 1000:03d}/{number:06d}.txt` | Document {number} \\| part "
                f"{number % 7} | https://example.org/{number} | en | 2023-05-{1 + number % 28:02d}"
                f" | note {number} |")
        lines.append(line)
        size += len(line) + 1
        number += 1
    return "\n".join(lines) + "\n"

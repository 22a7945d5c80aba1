"""An edited page's text to HTML: paragraphs, ``## `` headings and ``- `` lists, everything
escaped (the authority types text, never HTML)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _block_to_html(lines: list[str]) -> list[str]:
    parts: list[str] = []
    items: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if items:
            parts.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()
        if paragraph:
            parts.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()

    for line in lines:
        if line.startswith("## "):
            flush()
            parts.append(f"<h2>{escape(line[3:].strip())}</h2>")
        elif line.lstrip().startswith("- "):
            if paragraph:
                flush()
            items.append(escape(line.lstrip()[2:].strip()))
        else:
            if items:
                flush()
            paragraph.append(escape(line))
    flush()
    return parts


def text_to_html(text: str) -> SafeString:
    parts: list[str] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in block.strip().split("\n") if line.strip()]
        parts.extend(_block_to_html(lines))
    return mark_safe("\n".join(parts))  # noqa: S308 - every piece is escaped above

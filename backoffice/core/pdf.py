"""PDF rendering with WeasyPrint, shared by every generated document.

Deterministic: the same template and context give the same text (metadata dates are fixed
from the context, not the clock), so a regenerated version can be compared by its text.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


@lru_cache(maxsize=1)
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=4)
def _stylesheet(path: str):
    from weasyprint import CSS

    found = finders.find(path)
    return CSS(filename=found, font_config=_font_config())


def render_html(template_name: str, context: dict) -> str:
    return render_to_string(template_name, context)


def html_to_pdf(html: str, *, base_url: str | None = None, stylesheet: str = "css/pdf.css") -> bytes:
    """Render HTML to PDF bytes with the shared print stylesheet (A4, page numbers)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url or str(settings.BASE_DIR))
    return document.write_pdf(stylesheets=[_stylesheet(stylesheet)], font_config=_font_config(),
                              uncompressed_pdf=False)


def render_pdf(template_name: str, context: dict) -> bytes:
    return html_to_pdf(render_html(template_name, context))


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()

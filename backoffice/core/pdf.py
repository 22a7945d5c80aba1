"""PDF rendering with WeasyPrint, shared by every generated document.

Deterministic: the same template and context give the same text (metadata dates are fixed
from the context, not the clock), so a regenerated version can be compared by its text.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


@lru_cache(maxsize=1)
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _static_roots() -> list[Path]:
    roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def static_only_fetcher():
    """WeasyPrint's fetcher, restricted to the project's static files and ``data:`` URIs.

    Templates escape every value today; this keeps a PDF from reading a server file or calling
    a URL (SSRF) by construction, whatever a template might one day let through. A refused
    resource is skipped (WeasyPrint logs it), the document is still produced."""
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            if parsed.scheme == "data":
                return super().fetch(url, headers)
            if parsed.scheme == "file" and not parsed.netloc:
                path = Path(unquote(parsed.path)).resolve()
                if path.is_file() and any(path.is_relative_to(root) for root in _static_roots()):
                    return super().fetch(url, headers)
            raise ValueError(f"Resource outside the static files refused: {url[:200]}")

    return StaticOnlyFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


@lru_cache(maxsize=4)
def _stylesheet(path: str):
    from weasyprint import CSS

    found = finders.find(path)
    return CSS(filename=found, font_config=_font_config(), url_fetcher=static_only_fetcher())


def render_html(template_name: str, context: dict) -> str:
    return render_to_string(template_name, context)


def html_to_pdf(html: str, *, base_url: str | None = None, stylesheet: str = "css/pdf.css") -> bytes:
    """Render HTML to PDF bytes with the shared print stylesheet (A4, page numbers)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url or str(settings.BASE_DIR),
                    url_fetcher=static_only_fetcher())
    return document.write_pdf(stylesheets=[_stylesheet(stylesheet)], font_config=_font_config(),
                              uncompressed_pdf=False)


def render_pdf(template_name: str, context: dict) -> bytes:
    return html_to_pdf(render_html(template_name, context))


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()

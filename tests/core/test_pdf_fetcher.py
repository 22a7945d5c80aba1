"""WeasyPrint reads only the project's static files: no server file, no network, by construction."""

from __future__ import annotations

import http.server
import threading

import pytest
from django.conf import settings

from backoffice.core.pdf import html_to_pdf, static_only_fetcher


@pytest.fixture
def local_server():
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_fetcher_serves_static_files_and_data_only(tmp_path):
    fetcher = static_only_fetcher()
    css = next(p for p in (settings.BASE_DIR / "static").rglob("*.css"))
    response = fetcher.fetch(css.as_uri())
    assert response.url.startswith("file:") and response.read()
    response.close()
    fetcher.fetch("data:text/plain,bonjour").close()
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    for url in (secret.as_uri(), "file:///etc/passwd", (settings.BASE_DIR / "manage.py").as_uri(),
                (settings.BASE_DIR / "static" / ".." / "manage.py").as_uri(),
                "http://127.0.0.1:9/", "ftp://example.org/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_a_pdf_never_fetches_a_server_file_or_a_url(local_server, tmp_path):
    url, hits = local_server
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-DU-SERVEUR")
    html = (f'<p>Bonjour</p><img src="{url}/ssrf.png">'
            f'<link rel="stylesheet" href="{url}/x.css">'
            f'<object data="{secret.as_uri()}" type="text/plain"></object>'
            f'<iframe src="{secret.as_uri()}"></iframe>')
    content = html_to_pdf(html)
    assert content.startswith(b"%PDF")
    assert hits == []
    assert b"SECRET-DU-SERVEUR" not in content

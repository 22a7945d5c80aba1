"""Documents on a storage every machine shares.

A web process and a Celery worker run with different local directories, as two machines
would: the worker renders a convention PDF, the web process serves it through the
permission-checked download view. With the S3-compatible store (a real S3 API server on
127.0.0.1) the download works; with local disks it cannot, which is why several machines need
``STORAGE_BACKEND=s3``.
"""

from __future__ import annotations

import socket
import time

import pytest
from django.urls import reverse

from backoffice.settings.base import default_storage_config
from conventions import services
from conventions.models import ConventionStatus, DocumentStatus, GeneratedDocument
from tests.conftest import WorkerProcess

from .factories import make_convention

BUCKET = "pacte-documents-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    import boto3

    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test").create_bucket(
        Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        server.stop()


def _s3_env(endpoint: str) -> dict:
    return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": BUCKET,
            "S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test"}


def _render_on_worker(worker_env: dict, settings, agent, authority, organisation):
    worker = WorkerProcess(settings.DATABASES["default"]["NAME"], extra_env=worker_env)
    worker.start()
    try:
        convention = make_convention(authority=authority, organisation=organisation, agent=agent)
        services.convention_transition(convention=convention, to=ConventionStatus.SENT,
                                       actor=agent)
        document = GeneratedDocument.objects.get(convention=convention, kind="convention")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            document.refresh_from_db()
            if document.status != DocumentStatus.PENDING:
                break
            time.sleep(0.5)
    finally:
        worker.stop()
    assert document.status == DocumentStatus.READY, document.error
    return convention, document


@pytest.fixture
def two_machines(celery_worker_process, tmp_path, settings):
    """The fixture's worker is stopped: each test starts its own on machine B's directory."""
    celery_worker_process.stop()
    web_dir, worker_dir = tmp_path / "machine-a", tmp_path / "machine-b"
    web_dir.mkdir()
    worker_dir.mkdir()
    settings.MEDIA_ROOT = web_dir
    return web_dir, worker_dir


def _files(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()]


@pytest.mark.services
def test_a_pdf_rendered_by_a_worker_elsewhere_is_downloaded_through_the_web(
        two_machines, s3_endpoint, settings, client, agent, authority, organisation,
        monkeypatch):
    web_dir, worker_dir = two_machines
    for key, value in _s3_env(s3_endpoint).items():  # the web process's own environment
        monkeypatch.setenv(key, value)
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_config("s3")}
    convention, document = _render_on_worker(
        {**_s3_env(s3_endpoint), "MEDIA_ROOT": str(worker_dir)}, settings, agent, authority,
        organisation)
    client.force_login(agent)
    response = client.get(reverse("conventions:document-download", args=[document.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF") and len(body) > 5000
    # Nothing was written on either machine's disk: the file lives in the shared store.
    assert _files(web_dir) == [] and _files(worker_dir) == []
    # The store itself is private: an anonymous request for the object is refused.
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{s3_endpoint}/{BUCKET}/{document.file.name}", timeout=5)


@pytest.mark.services
def test_with_local_disks_the_other_machine_has_no_file(
        two_machines, settings, client, agent, authority, organisation):
    web_dir, worker_dir = two_machines
    convention, document = _render_on_worker(
        {"STORAGE_BACKEND": "local", "MEDIA_ROOT": str(worker_dir)}, settings, agent, authority,
        organisation)
    assert len(_files(worker_dir)) == 1 and _files(web_dir) == []
    client.force_login(agent)
    response = client.get(reverse("conventions:document-download", args=[document.pk]))
    assert response.status_code == 404

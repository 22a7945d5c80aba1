"""Round-trip fixtures: ``app`` is django-webtest's app (it parses the rendered forms)."""

import pytest


@pytest.fixture
def app(django_app, db):
    """A browser-like client: ``app.set_user(user)`` signs a user in for the next requests."""
    return django_app

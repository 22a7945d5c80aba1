"""Every ``<form`` of every page template has a round-trip test listed in ``FORMS``."""

import importlib
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

from . import FORMS


def rendered_forms() -> list[str]:
    """``template#n`` for each ``<form`` of the page templates (not the admin's, not e-mails)."""
    keys = []
    base = Path(settings.BASE_DIR).resolve()
    own_apps = [Path(app.path) / "templates" for app in apps.get_app_configs()
                if base in Path(app.path).resolve().parents and ".venv" not in app.path]
    for directory in [*settings.TEMPLATES[0]["DIRS"], *own_apps]:
        root = Path(directory)
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.html")):
            count = len(re.findall(r"<form\b", path.read_text(encoding="utf-8")))
            keys += [f"{path.relative_to(root).as_posix()}#{n}" for n in range(1, count + 1)]
    return keys


def test_every_form_of_the_templates_is_in_the_inventory():
    found = rendered_forms()
    assert len(found) > 60
    missing = sorted(set(found) - set(FORMS))
    gone = sorted(set(FORMS) - set(found))
    assert not missing, f"forms without a round-trip test (add one and list it in FORMS): {missing}"
    assert not gone, f"FORMS lists forms the templates no longer have: {gone}"


def test_every_listed_round_trip_exists():
    for key, (_view, target) in FORMS.items():
        module_name, function = target.split("::")
        if "." not in module_name:
            module_name = f"tests.forms.{module_name}"
        module = importlib.import_module(module_name)
        assert callable(getattr(module, function, None)), f"{key}: no test {target}"

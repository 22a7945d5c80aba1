"""Every management command answers a refused value with a French CommandError, no traceback."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command, get_commands

from backoffice.core.management.base import BaseCommand, validation_message
from tests.factories import AuthorityFactory

ROOT = Path(__file__).resolve().parents[2]


def _project_commands() -> dict[str, str]:
    return {name: app for name, app in get_commands().items()
            if (ROOT / app.replace(".", "/")).is_dir() and not app.startswith("django")}


def test_every_project_command_is_built_on_the_french_base():
    commands = _project_commands()
    assert {"import_scdl", "import_pabulib", "import_volunteer_hours", "seed_demo"} <= set(commands)
    for name, app in commands.items():
        module = importlib.import_module(f"{app}.management.commands.{name}")
        assert issubclass(module.Command, BaseCommand), name


def test_validation_error_becomes_a_french_command_error():
    class Failing(BaseCommand):
        def handle(self, *args, **options):
            raise ValidationError({"envelope": ["Assurez-vous qu'il n'y a pas plus de 12 "
                                                "chiffres au total."]})

    with pytest.raises(CommandError) as exc:
        call_command(Failing())
    assert str(exc.value).startswith("Données refusées — envelope : Assurez-vous")
    assert validation_message(ValidationError("Simple.")) == "Simple."


@pytest.mark.django_db
@pytest.mark.parametrize(("budget", "expected"), [("9" * 5000, "budget illisible"),
                                                  ("9" * 13, "Données refusées")])
def test_import_pabulib_with_a_huge_budget_is_a_french_command_error(tmp_path, budget,
                                                                     expected):
    AuthorityFactory()
    path = tmp_path / "huge.pb"
    path.write_text("META\nkey;value\nbudget;" + budget + "\nvote_type;approval\nPROJECTS\n"
                    "project_id;cost;name\n1;5;Bancs\nVOTES\nvoter_id;vote\nv1;1\n")
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_pabulib", str(path), stdout=io.StringIO(), stderr=err)
    message = str(exc.value) + err.getvalue()
    assert "Traceback" not in message
    assert expected in message


@pytest.mark.django_db
def test_import_pabulib_refuses_an_oversized_file_before_reading(tmp_path, settings):
    AuthorityFactory()
    settings.TABLE_IMPORT_MAX_BYTES = 100
    path = tmp_path / "big.pb"
    path.write_text("META\nkey;value\n" + "x;y\n" * 100)
    with pytest.raises(CommandError, match="la limite est de"):
        call_command("import_pabulib", str(path), stdout=io.StringIO())


def test_pabulib_reader_refuses_overlong_lines_in_french(settings):
    from funds.voting.pabulib import PabulibError, parse_pb

    settings.TABLE_IMPORT_MAX_LINE_CHARS = 50
    with pytest.raises(PabulibError) as exc:
        parse_pb("META\nkey;value\ndescription;" + "x" * 100 + "\n")
    assert exc.value.errors == ["ligne 3 : plus de 50 caractères."]

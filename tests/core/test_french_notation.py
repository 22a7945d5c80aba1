"""Every page of the demo and the main messages print numbers the French way: '9 734,50 €',
'200,00 h', '4 voix', '1 convention' — never '9734.50 €', '4voix' or '1 conventions'."""

import re
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.core.management import call_command

from backoffice.core.budget import BudgetLine, budget_errors

ENGLISH = [
    re.compile(r"\d+\.\d{1,2}\s*(€|h\b|%)"),               # 9734.50 €, 200.00 h, 12.5 %
    re.compile(r"\d{4,}(,\d{2})?\s*€"),                      # 9734,50 € (no thousands space)
    re.compile(r"\d(voix|conventions?|salariés?|bulletins?)\b"),  # 4voix
    re.compile(r"(?<![\d\u202f,.])[01]\s(conventions|salariés|bulletins|adhérents|bénévoles|"
               r"projets|voix retenues|lignes|saisies|notifications|jours)\b"),
]
SKIP = ("/logout", "/deconnexion", "/admin/", "/api/", "/static/", "/media/", "/export",
        "/telecharger", "/download", ".pdf", ".csv", ".xlsx", ".json", "/documents/",
        "/pdf", "/fichier")


def english_numbers(text: str) -> list[str]:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)  # attribute values (ids, input values) are not read
    return [match.group(0) for pattern in ENGLISH for match in pattern.finditer(text)]


def test_the_detector_sees_english_notation():
    assert english_numbers("<p>les charges (9734.50 €)</p>") == ["9734.50 €"]
    assert english_numbers("200.00 h × 12.02 €/h")
    assert english_numbers("tranche (36000.00 €)")
    assert english_numbers("4voix") and english_numbers("1 conventions")
    assert not english_numbers("9\u202f734,50\u00a0€ · 4\u00a0voix · 1\u00a0convention")


def test_budget_messages_are_in_french_notation():
    errors = budget_errors([BudgetLine("60", Decimal("9734.50")),
                            BudgetLine("70", Decimal("100")),
                            BudgetLine("864", Decimal("36000")),
                            BudgetLine("870", Decimal("1"))])
    assert len(errors) == 2
    assert "9\u202f734,50\u00a0€" in errors[0]
    assert not english_numbers(" ".join(errors))


@pytest.mark.django_db
def test_demo_pages_print_numbers_the_french_way(client):
    from backoffice.core.models import User

    call_command("seed_demo", verbosity=0)
    offenders, visited = {}, 0
    for email in ("agent@demo.local", "asso@demo.local"):
        client.force_login(User.objects.get(email=email))
        queue, seen = ["/", "/agent/", "/espace/"], set()
        while queue and len(seen) < 50:
            url = queue.pop(0)
            if url in seen or any(part in url for part in SKIP):
                continue
            seen.add(url)
            response = client.get(url)
            assert response.status_code < 500, url
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            visited += 1
            html = response.content.decode()
            found = english_numbers(html)
            if found:
                offenders[url] = found
            for href in re.findall(r'href="([^"#]+)"', html):
                parsed = urlparse(href)
                if not parsed.netloc and href.startswith("/") and "?" not in href:
                    queue.append(parsed.path)
    assert visited > 30
    assert offenders == {}

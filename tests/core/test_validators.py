import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from backoffice.core.demo import demo_siret
from backoffice.core.validators import validate_rna, validate_siret

VALID_SIRET = "73282932000074"  # a real, published SIRET


def test_valid_siret_passes():
    validate_siret(VALID_SIRET)
    validate_siret("732 829 320 00074")


@pytest.mark.parametrize("value, code", [
    ("73282932000075", "siret_checksum"),   # Luhn-invalid
    ("7328293200007", "siret_length"),      # 13 digits
    ("732829320000740", "siret_length"),    # 15 digits
    ("45032466000000.0", "siret_format"),   # mangled into a float by a spreadsheet
    ("4.5032466E+13", "siret_format"),
    ("ABCDEFGHIJKLMN", "siret_format"),
])
def test_invalid_siret_rejected_with_french_message(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_siret(value)
    assert exc.value.code == code
    assert "SIRET" in exc.value.messages[0]


@given(st.integers(min_value=0, max_value=10**6))
def test_demo_sirets_always_pass_luhn(seed):
    validate_siret(demo_siret(seed))


@pytest.mark.parametrize("value", ["W561001234", "w561001234"])
def test_valid_rna(value):
    validate_rna(value)


@pytest.mark.parametrize("value", ["561001234", "W56100123", "W5610012345", "X561001234", ""])
def test_invalid_rna(value):
    with pytest.raises(ValidationError, match="W suivie de 9 chiffres"):
        validate_rna(value)

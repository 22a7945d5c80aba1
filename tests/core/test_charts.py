from decimal import Decimal
from xml.etree import ElementTree

import pytest

from backoffice.core.charts import Series, axis_ticks, bar_chart, horizontal_bars, nice_ceiling
from backoffice.core.exports import table_response


@pytest.mark.parametrize("value, expected", [(0, 1), (7, 10), (11, 20), (240, 250), (4100, 5000)])
def test_nice_ceiling(value, expected):
    assert nice_ceiling(value) == expected


def test_bar_chart_is_valid_accessible_svg_with_one_bar_per_value():
    svg = bar_chart(["janv.", "févr."], [Series("Versé", [Decimal("1000.50"), 0]),
                                         Series("Dû", [500, 2000])],
                    title="Versements <mensuels>", unit=" €", marker=(1.5, "60 jours"))
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.find(f"{ns}title").text == "Versements <mensuels>"
    bars = [r for r in root.iter(f"{ns}rect") if r.find(f"{ns}title") is not None]
    assert len(bars) == 4
    heights = [float(r.get("height")) for r in bars]
    # order: (janv., Versé), (janv., Dû), (févr., Versé), (févr., Dû)
    assert heights[2] == 0 and max(heights) == heights[3] and heights[0] > heights[1]
    assert "60 jours" in svg


def test_horizontal_bars_highlight_and_empty():
    svg = horizontal_bars(["Projet A", "Projet B"], [30, 10], title="Votes",
                          highlight=[True, False])
    assert "#8c959f" in svg and "#0b5d4b" in svg
    ElementTree.fromstring(horizontal_bars([], [], title="Rien"))


def test_table_response_csv_and_xlsx():
    response = table_response(["Mois", "Montant"], [["janv.", Decimal("12.50")]],
                              filename="versements")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffMois;Montant") and ";12,50" in body
    response = table_response(["Mois"], [["janv."]], filename="v", fmt="xlsx")
    assert response.content[:2] == b"PK"
    assert response["Content-Disposition"].endswith('v.xlsx"')


@pytest.mark.parametrize("maximum, integer, expected", [
    (24000, False, [0, 5000, 10000, 15000, 20000, 25000]),
    (37000, False, [0, 10000, 20000, 30000, 40000, 50000]),
    (1, False, [0, 0.25, 0.5, 0.75, 1]),
    (1, True, [0, 1]),
    (3, True, [0, 1, 2, 3, 4, 5]),
    (7, True, [0, 2, 4, 6, 8, 10]),
])
def test_axis_ticks_are_round(maximum, integer, expected):
    assert axis_ticks(maximum, integer=integer) == expected

"""Trustee-report charts: inline SVG a screen reader can name, readable without colour, with the same data as a table."""
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest

from reports.charts import (
    COLOURS, DASHES, MARKERS, PATTERNS, Series, Table, bar_chart, data_table, format_percent, line_chart,
    paired_bar_chart, paired_table,
)

SVG = "{http://www.w3.org/2000/svg}"
QUARTERS = ["Q1 2025/26", "Q2 2025/26", "Q3 2025/26", "Q4 2025/26"]
INCOME = [
    Series("Charitable", [120_000_00, 130_000_00, 90_000_00, 150_000_00]),
    Series("NHS England grant", [50_000_00, 0, 50_000_00, 0]),
    Series("Personal budgets", [5_000_00, -2_000_00, None, 6_000_00]),
]
YEARS = ["2021/22", "2022/23", "2023/24", "2024/25", "2025/26"]
SHARE = Series("Statutory share", [Fraction(17, 100), Fraction(185, 1000), Fraction(21, 100), None, Fraction(1, 5)])
SERVICES = ["Short breaks", "Day care", "Sibling support"]
COST = Series("Full cost of care", [400_000_00, 120_000_00, 30_000_00])
PAID = Series("Statutory funders paid", [150_000_00, 130_000_00, 0])


def all_charts():
    return {
        "grouped": bar_chart("Income by source, 2025/26", "Income by source for each quarter.", QUARTERS, INCOME),
        "stacked": bar_chart("Income by source", "Stacked by quarter.", QUARTERS, INCOME, stacked=True),
        "line": line_chart("Statutory share of income", "Over five years.", YEARS, [SHARE]),
        "paired": paired_bar_chart("Cost against income", "By service.", SERVICES, COST, PAID),
        "empty": bar_chart("Income by source", "No income recorded yet.", [], []),
    }


def texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def tips(root) -> list[str]:
    return [t.text for el in root.iter() if el.tag != f"{SVG}svg" for t in el.findall(f"{SVG}title")]


@pytest.mark.parametrize("name", ["grouped", "stacked", "line", "paired", "empty"])
def test_each_chart_is_an_image_named_by_its_title_and_description(name):
    root = ET.fromstring(all_charts()[name])
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text and desc.text
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", ["grouped", "stacked", "line", "paired", "empty"])
def test_no_chart_runs_script_or_reaches_outside_itself(name):
    svg = all_charts()[name]
    root = ET.fromstring(svg)
    for el in root.iter():
        assert el.tag.removeprefix(SVG) not in ("script", "a", "image", "use", "foreignObject", "style")
        assert not any(name.endswith("href") or name.startswith("on") for name in el.attrib)
        assert all(re.fullmatch(r"url\(#[\w-]+\)", v) for v in el.attrib.values() if "url(" in v)
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "@import" not in svg and "@font-face" not in svg


def test_every_text_is_escaped():
    nasty = "A & B <x>"
    svgs = [
        bar_chart(nasty, nasty, [nasty], [Series(nasty, [1_00])]),
        bar_chart(nasty, nasty, [nasty], [Series(nasty, [1_00])], stacked=True),
        line_chart(nasty, nasty, [nasty, "b"], [Series(nasty, [Fraction(1, 2), Fraction(1, 3)])]),
        paired_bar_chart(nasty, nasty, [nasty], Series(nasty, [1_00]), Series("b", [-1_00])),
        bar_chart(nasty, nasty, [], []),
    ]
    for svg in svgs:
        assert "<x>" not in svg
        root = ET.fromstring(svg)
        assert root.find(f"{SVG}title").text == nasty and root.find(f"{SVG}desc").text == nasty
    assert nasty in texts(ET.fromstring(svgs[0]))  # the category label and the legend read as written


def test_the_money_axis_and_the_bars_read_in_pounds():
    root = ET.fromstring(all_charts()["grouped"])
    shown = texts(root)
    assert {"£0", "£50,000", "£150,000", "Charitable", "Q3 2025/26"} <= set(shown)
    assert "Q2 2025/26, Personal budgets: -£2,000.00" in tips(root)
    assert not any("Q3 2025/26, Personal budgets" in t for t in tips(root))  # a value not shown has no bar


def bars(svg: str) -> dict[str, tuple[float, float, float, float]]:
    root = ET.fromstring(svg)
    return {r.find(f"{SVG}title").text: tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
            for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None}


def test_a_negative_bar_hangs_below_the_zero_line_and_a_zero_bar_has_no_height():
    drawn = bars(bar_chart("Gap", "A gap.", ["Care"], [Series("Surplus", [100_00]), Series("Gap", [-100_00]),
                                                           Series("Nil", [0])]))
    _, up_y, _, up_h = drawn["Care, Surplus: £100.00"]
    _, down_y, _, down_h = drawn["Care, Gap: -£100.00"]
    assert down_y == pytest.approx(up_y + up_h) and down_h == pytest.approx(up_h) and up_h > 0
    assert drawn["Care, Nil: £0.00"][3] == 0


def test_stacked_parts_sit_on_one_another_and_negatives_stack_below_zero():
    drawn = bars(bar_chart("s", "s", ["Q1"], [Series("A", [300]), Series("B", [200]), Series("C", [-100])], stacked=True))
    a, b, c = drawn["Q1, A: £3.00"], drawn["Q1, B: £2.00"], drawn["Q1, C: -£1.00"]
    assert b[1] + b[3] == pytest.approx(a[1])
    assert c[1] == pytest.approx(a[1] + a[3])
    assert a[3] == pytest.approx(3 * c[3])


def test_the_line_chart_shows_percentages_and_breaks_where_a_year_is_not_shown():
    root = ET.fromstring(all_charts()["line"])
    assert {"0.0%", "17.0%", "18.5%", "21.0%", "20.0%", "2024/25"} <= set(texts(root))
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 3  # 2021/22 to 2023/24; 2025/26 stands alone
    assert "2025/26, Statutory share: 20.0%" in tips(root)


def test_the_paired_chart_labels_each_bar_with_its_amount():
    root = ET.fromstring(all_charts()["paired"])
    assert {"Short breaks", "£400,000.00", "£150,000.00", "£0.00", "Full cost of care"} <= set(texts(root))
    negative = ET.fromstring(paired_bar_chart("n", "n", ["Refunds"], Series("Cost", [0]), Series("Income", [-1_500_00])))
    assert "-£1,500.00" in texts(negative)


def test_series_differ_by_more_than_colour_and_every_colour_stands_out_on_white():
    assert len(set(PATTERNS)) == len(set(DASHES)) == len(set(MARKERS)) == len(COLOURS)

    def luminance(hex_colour):
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    assert all(1.05 / (luminance(c) + 0.05) >= 4.5 for c in COLOURS)
    root = ET.fromstring(all_charts()["grouped"])
    patterns = root.findall(f".//{SVG}pattern")
    assert len(patterns) == 3
    assert len({ET.tostring(p[1]) if len(p) > 1 else b"solid" for p in patterns}) == 3
    assert {"Charitable", "NHS England grant", "Personal budgets"} <= set(texts(root))  # the legend


def test_the_tables_hold_the_same_data_as_the_charts():
    assert data_table(QUARTERS, INCOME, category_label="Quarter", total=True) == Table(
        ["Quarter", "Charitable", "NHS England grant", "Personal budgets", "Total"],
        [["Q1 2025/26", "£120,000.00", "£50,000.00", "£5,000.00", "£175,000.00"],
         ["Q2 2025/26", "£130,000.00", "£0.00", "-£2,000.00", "£128,000.00"],
         ["Q3 2025/26", "£90,000.00", "£50,000.00", "not shown", "not shown"],
         ["Q4 2025/26", "£150,000.00", "£0.00", "£6,000.00", "£156,000.00"]])
    assert data_table(YEARS, [SHARE], category_label="Year", fmt=format_percent).rows == [
        ["2021/22", "17.0%"], ["2022/23", "18.5%"], ["2023/24", "21.0%"], ["2024/25", "not shown"],
        ["2025/26", "20.0%"]]
    assert paired_table(SERVICES, COST, PAID, category_label="Service", difference="Income less cost") == Table(
        ["Service", "Full cost of care", "Statutory funders paid", "Income less cost"],
        [["Short breaks", "£400,000.00", "£150,000.00", "-£250,000.00"],
         ["Day care", "£120,000.00", "£130,000.00", "£10,000.00"],
         ["Sibling support", "£30,000.00", "£0.00", "-£30,000.00"]])


def test_no_data_draws_a_chart_that_says_so_and_a_table_with_no_rows():
    for svg in (all_charts()["empty"], line_chart("Share", "None yet.", YEARS, [Series("Share", [None] * 5)]),
                paired_bar_chart("Cost", "None yet.", [], Series("Cost", []), Series("Income", []))):
        root = ET.fromstring(svg)
        assert texts(root) == ["No figures to show for this period."]
    assert data_table([], [Series("Charitable", [])], category_label="Quarter") == Table(["Quarter", "Charitable"], [])


def test_all_zero_figures_still_draw_an_axis():
    root = ET.fromstring(bar_chart("Zero", "Nothing received.", ["Q1"], [Series("Grant", [0])]))
    assert "£0.00" in texts(root) and "Q1, Grant: £0.00" in tips(root)


def test_percentages_round_half_up_to_one_place():
    assert [format_percent(x) for x in (0, Fraction(1, 3), Fraction(2, 3), Fraction(185, 1000), Fraction(-1, 8))] == [
        "0.0%", "33.3%", "66.7%", "18.5%", "-12.5%"]


def test_mistakes_in_the_data_are_refused():
    with pytest.raises(ValueError):
        bar_chart("t", "d", QUARTERS, [Series("short", [1])])
    with pytest.raises(ValueError):
        bar_chart("t", "d", ["Q1"], [Series(f"S{i}", [i]) for i in range(len(COLOURS) + 1)])
    with pytest.raises(ValueError):
        bar_chart("t", "d", ["Q1"], [Series("S", [1])], chart_id='x" onload="alert(1)')
    with pytest.raises(TypeError):
        bar_chart("t", "d", ["Q1"], [Series("S", [0.5])])


def test_two_charts_on_one_page_do_not_share_ids():
    a, b = all_charts()["grouped"], all_charts()["stacked"]
    ids_a = set(re.findall(r'id="([^"]+)"', a))
    assert ids_a and not ids_a & set(re.findall(r'id="([^"]+)"', b))
    assert 'aria-labelledby="income-q-title income-q-desc"' in bar_chart(
        "t", "d", ["Q1"], [Series("S", [1])], chart_id="income-q")

"""Server-drawn SVG charts: an accessible image, and the same figures in a table under it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string

from newsletter.insights.charts import Series, bar_chart, line_chart, nice_top

SVG = "{http://www.w3.org/2000/svg}"


def rates() -> object:
    return line_chart(
        "Rates per send",
        ["Spring news (3 Mar 2025)", "Summer news (9 Jun 2025)", "Autumn news (1 Sep 2025)"],
        [Series("Opened", [0.42, 0.385, None]), Series("Clicked", [0.051, 0.0625, 0.07])],
        percent=True,
        axis_labels=["3 Mar", "9 Jun", "1 Sep"],
        label_heading="Send",
    )


def test_a_line_chart_is_an_accessible_svg_image():
    chart = rates()
    root = ET.fromstring(str(chart.svg))  # well-formed XML

    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-label") == "Rates per send. The table below gives the figures."
    assert root.find(f"{SVG}title").text == "Rates per send"
    assert len(root.findall(f"{SVG}polyline")) == 2  # one line per series
    axis = [t.text for t in root.iter(f"{SVG}text")]
    assert {"3 Mar", "9 Jun", "1 Sep", "Opened", "Clicked"} <= set(axis)
    assert "var(--nl-chart-1" in chart.svg  # admin colours, light and dark, from the template


def test_the_table_under_the_chart_holds_every_figure():
    html = render_to_string("newsletter/insights/chart.html", {"chart": rates()})

    table = re.search(r"<table.*?</table>", html, re.S).group()
    assert re.search(r"<caption>\s*Rates per send\s*</caption>", table)
    assert '<th scope="col">Send</th>' in table and '<th scope="col">Opened</th>' in table
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", table)
    cells = {label: re.findall(r"<td>(.*?)</td>", rest) for label, rest in rows}
    assert cells == {
        "Spring news (3 Mar 2025)": ["42.0 %", "5.1 %"],
        "Summer news (9 Jun 2025)": ["38.5 %", "6.2 %"],
        "Autumn news (1 Sep 2025)": ["\u2013", "7.0 %"],  # no figure yet: a dash, no point
    }
    assert html.index("<svg") < html.index("<table")


def test_a_missing_figure_draws_no_point():
    root = ET.fromstring(str(rates().svg))
    # The first series (circles) has a point for two of the three sends.
    assert len(list(root.iter(f"{SVG}circle"))) == 2


def test_a_bar_chart_with_the_complaint_line():
    chart = bar_chart(
        "Spam complaint rate per send",
        ["A", "B"],
        [Series("Complaint rate", [0.0005, 0.004])],
        percent=True,
        decimals=2,
        threshold=0.003,
        threshold_label="Gmail and Yahoo limit",
    )
    root = ET.fromstring(str(chart.svg))
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [b.find(f"{SVG}title").text for b in bars] == [
        "A · Complaint rate: 0.05 %",
        "B · Complaint rate: 0.40 %",
    ]
    assert float(bars[1].get("height")) > float(bars[0].get("height")) * 7
    line = [x for x in root.iter(f"{SVG}line") if x.find(f"{SVG}title") is not None]
    assert line[0].find(f"{SVG}title").text == "Gmail and Yahoo limit 0.30 %"
    # The line sits between the two bars' tops.
    assert float(bars[1].get("y")) < float(line[0].get("y1")) < float(bars[0].get("y"))
    assert chart.caption == "Spam complaint rate per send (line: Gmail and Yahoo limit 0.30 %)"


def test_text_in_a_chart_is_escaped():
    chart = bar_chart("<b>Title</b>", ['<script>alert("x")</script>'], [Series("S&P", [3])])
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg
    assert "S&amp;P" in chart.svg and "&lt;b&gt;Title&lt;/b&gt;" in chart.svg
    ET.fromstring(str(chart.svg))


def test_an_empty_chart_says_so():
    chart = line_chart("Rates per send", [], [Series("Opened", [])])
    html = render_to_string("newsletter/insights/chart.html", {"chart": chart})
    assert "No figures yet." in html and "<svg" not in html and "<table" not in html


def test_the_axis_ends_on_a_round_figure():
    assert nice_top(7) == (8, 2)
    assert nice_top(0.004) == pytest.approx((0.004, 0.001))
    assert nice_top(0.42) == pytest.approx((0.6, 0.2))
    assert nice_top(0.003) == pytest.approx((0.003, 0.001))  # the line itself on top
    assert nice_top(0) == (1.0, 0.25)

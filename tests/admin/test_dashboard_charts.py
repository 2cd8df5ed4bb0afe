"""The report's server-side SVG charts: lines broken where a month has no score, names escaped."""

import xml.etree.ElementTree as ET

from admin.dashboard.charts import interval_bars, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_a_month_without_a_score_breaks_the_line_and_names_are_text() -> None:
    svg = line_chart(
        ["2026-08", "2026-09", "2026-10", "2026-11"],
        {"城东网点": [90.0, None, 80.0, 85.0], "<script>x</script>": [70.0, 75.0, 72.0, 74.0]},
    )
    root = ET.fromstring(svg)  # well-formed: the name is escaped, not markup
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2  # 城东网点: one segment (Oct–Nov; Aug stands alone); the other: one
    assert len(root.findall(f"{SVG}circle")) == 3 + 4
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<script>x</script>" in texts and "城东网点" in texts and "2026-09" in texts
    ticks = [int(t) for t in texts if t and t.isdigit()]
    assert ticks == [60, 70, 80, 90, 100]


def test_ranking_bars_start_at_zero_with_their_intervals() -> None:
    root = ET.fromstring(
        interval_bars([("城东网点", 80.0, 70.0, 90.0), ("城西网点", None, None, None)])
    )
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 1 and bars[0].get("x") == "120"
    (interval,) = root.findall(f"{SVG}line")
    assert float(interval.get("x1", 0)) < float(interval.get("x2", 0))
    assert [t.text for t in root.iter(f"{SVG}text")][-5:] == ["0", "25", "50", "75", "100"]

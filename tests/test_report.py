"""psyai.report: APA numbers, the data banner and the self-contained HTML report every analysis writes."""

from __future__ import annotations

import pandas as pd
import pytest

from psyai.report import HtmlReport, data_banner, fmt_ci, fmt_num, fmt_p, fmt_pct, fmt_stat


def test_apa_number_formatting():
    assert fmt_p(0.0321) == "p = .032"
    assert fmt_p(0.0004) == "p < .001"
    assert fmt_p(0.00099999) == "p < .001"
    assert fmt_p(0.9999) == "p > .999"
    assert fmt_p(0.05) == "p = .050"
    assert fmt_p(0.032, prefix=False) == ".032"
    assert fmt_p(float("nan")) == "p = NA"
    assert fmt_num(0.456, leading_zero=False) == ".46"
    assert fmt_num(-0.456, leading_zero=False) == "-.46"
    assert fmt_num(-0.001) == "0.00"
    assert fmt_ci(0.1234, 0.3456) == "95% CI [0.12, 0.35]"
    assert fmt_ci(58.06, 64.24, 1, level=0.9) == "90% CI [58.1, 64.2]"
    assert fmt_ci(0.61, 0.65, leading_zero=False) == "95% CI [.61, .65]"
    assert fmt_pct(0.6123) == "61.2%"
    assert fmt_stat("t", 8.912, 39) == "t(39) = 8.91"
    assert fmt_stat("t", 2.0, 37.519) == "t(37.52) = 2.00"
    with pytest.raises(ValueError, match="not a probability"):
        fmt_p(1.5)


def test_banner_for_simulated_and_pilot_data():
    assert data_banner({"real": 100}) is None
    assert "SIMULATED" in data_banner({"simulated": 10})
    assert "PILOT" in data_banner(["pilot"])
    mixed = data_banner({"real": 90, "pilot": 10})
    assert "MIXED" in mixed and "pilot (10 trials)" in mixed


def test_html_report_is_self_contained():
    from matplotlib.figure import Figure

    fig = Figure()
    fig.subplots().plot([0, 1], [0, 1])
    report = HtmlReport("t <test>", banner="SIMULATED DATA")
    report.apa('x = "1" & y < 2')
    report.figure(fig, "a line")
    fig2 = Figure()
    fig2.subplots().plot([0, 1], [1, 0])
    report.figure(fig2, "svg line", fmt="svg")
    report.table(pd.DataFrame({"a": [1, 2], "b": [0.5, float("nan")]}), "tab")
    page = report.render()
    assert page.count('class="banner"') == 2  # top and bottom
    assert "<img src=\"data:image/png;base64," in page and "<svg" in page
    assert "x = &quot;1&quot; &amp; y &lt; 2" in page and "t &lt;test&gt;" in page
    # nothing is fetched from elsewhere (xmlns namespace names are not fetched)
    for external in ('src="http', "src='http", 'href="http', "url(http", "@import", "<script src", "<link"):
        assert external not in page, external


def test_tables_never_print_negative_zero_or_floating_point_noise():
    from psyai.report import _cell, plural

    assert _cell(-5.55e-17, 3) == "0.000" and _cell(5.55e-17, 3) == "0.000"
    assert _cell(-0.0, 3) == "0.000"
    assert _cell(-0.0004, 3) == "-4.00e-04"  # a real small value keeps its sign
    assert _cell(-1.23456, 3) == "-1.235"
    assert (plural(1, "participant"), plural(2, "participant"), plural(1200, "trial")) == (
        "1 participant", "2 participants", "1,200 trials")


def test_figures_are_also_written_as_png_and_svg_files(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    fig.subplots().plot([0, 1], [0, 1])
    report = HtmlReport("t", versions={"psyai": "9.9"})
    report.figure(fig, "A line: rising")
    path = report.write(tmp_path / "report.html")
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["1_a-line-rising.png", "1_a-line-rising.svg"]
    assert "figures/1_a-line-rising.png" in path.read_text(encoding="utf-8")
    assert "by psyai (psyai 9.9)." in path.read_text(encoding="utf-8")

"""Charts: valid PNGs drawn with a font that has every glyph of their Chinese title and labels."""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import pytest
from PIL import Image

from bot import charts
from storage.queries import StageFigures
from storage.report_queries import ForecastMonth

DEJAVU = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ROWS = [StageFigures("线索", 12, 350000, 17500, 0.05), StageFigures("商务谈判", 3, 1280000, 704000, 0.55),
        StageFigures("签约", 0, 0, 0, 0.9)]


def decode(data: bytes):
    assert data[:8] == PNG_SIGNATURE
    image = Image.open(io.BytesIO(data))
    image.load()                                  # decodes every pixel: a truncated file raises here
    return image


def test_pipeline_chart_is_a_png_wide_enough_for_a_phone():
    image = decode(charts.pipeline_chart(ROWS))
    assert image.format == "PNG" and image.width >= 900 and image.height >= 400
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 20   # something was drawn, not blank
    array = matplotlib.image.imread(io.BytesIO(charts.pipeline_chart(ROWS)), format="png")
    assert array.shape[2] in (3, 4)


def test_forecast_chart_is_a_png():
    months = [ForecastMonth("2026-03", 1, 80000, 8000), ForecastMonth("2026-04", 2, 300000, 120000),
              ForecastMonth(None, 2, 50000, 5000)]
    image = decode(charts.forecast_chart(months))
    assert image.width >= 900


def test_the_chart_font_has_every_glyph_of_titles_and_labels():
    texts = "销售漏斗（进行中）共个商机·加权预测万亿元线索商务谈判签约成交预测（按预计成交月）年月未定金额（万元）0123456789."
    assert charts.missing_glyphs(charts.font_path(), texts) == set()


def test_the_glyph_check_fails_for_a_font_without_chinese():
    assert DEJAVU.exists()
    assert charts.missing_glyphs(DEJAVU, "销售漏斗 Funnel 12") == {"销", "售", "漏", "斗"}
    with pytest.raises(charts.ChartFontError) as caught:
        charts._check(["销售漏斗（进行中）", "线索 12个"], DEJAVU)
    assert {"销", "售", "漏", "斗", "（", "）", "线", "索", "个"} <= caught.value.missing
    assert "1" not in caught.value.missing and "2" not in caught.value.missing


def test_a_label_the_font_cannot_show_stops_the_chart_rather_than_drawing_boxes():
    odd = [StageFigures("线索\U0001F600", 1, 0, 0, 0.1)]   # an emoji stage name: not in Noto Sans CJK
    with pytest.raises(charts.ChartFontError):
        charts.pipeline_chart(odd)


def test_the_funnel_draws_no_bar_for_an_empty_stage():
    """Three stages, the middle one empty: the empty stage's colour appears nowhere (no sliver)."""
    rows = [StageFigures("线索", 5, 0, 0, 0.05), StageFigures("方案", 0, 0, 0, 0.3),
            StageFigures("签约", 2, 0, 0, 0.9)]
    pixels = set(decode(charts.pipeline_chart(rows)).convert("RGB").getdata())
    colour = lambda hex_: tuple(int(hex_[i:i + 2], 16) for i in (1, 3, 5))  # noqa: E731
    assert colour(charts.COLOURS[0]) in pixels and colour(charts.COLOURS[2]) in pixels
    assert colour(charts.COLOURS[1]) not in pixels

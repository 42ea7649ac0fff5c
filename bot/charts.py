"""PNG charts for the chat: the pipeline funnel and the forecast by month, readable on a phone.

matplotlib with the Agg backend (no display; Figure objects, not pyplot, so threads do not share
state) and the CJK font of the `noto-cjk-sans-otc` package. Before drawing, every character of the
title and labels is checked against the font (missing_glyphs), so a chart never shows empty boxes.
"""
from __future__ import annotations

import io
from functools import cache
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402 (after the backend is chosen)
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from bot.render import money_text  # noqa: E402

WIDTH_IN = 7.2          # at 150 dpi: 1080 px, a phone screen's width
DPI = 150
FONT_SIZE = 15
COLOURS = ("#1f6fb2", "#2b8cbe", "#4ba3c7", "#6fb9d3", "#93cde0", "#b5deea", "#d3ecf2")


class ChartFontError(RuntimeError):
    """The chart font lacks glyphs for some characters; `missing` names them."""

    def __init__(self, missing: set[str]):
        super().__init__(f"chart font has no glyph for: {''.join(sorted(missing))}")
        self.missing = missing


def font_path() -> Path:
    """NotoSansCJK-Regular.ttc from the noto-cjk-sans-otc package."""
    return Path(str(resources.files("noto_cjk_sans_otc") / "NotoSansCJK-Regular.ttc"))


@cache
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=0, lazy=True) as font:  # a .ttc: its first face, as matplotlib uses
        return frozenset(font.getBestCmap() or {})


def missing_glyphs(font_path: str | Path, text: str) -> set[str]:
    """The characters of `text` (whitespace aside) that the font has no glyph for."""
    covered = _cmap(str(font_path))
    return {ch for ch in text if not ch.isspace() and ord(ch) not in covered}


@cache
def _family() -> str:
    """Registers the CJK font with matplotlib once; returns its family name."""
    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _check(texts: list[str], path: Path | None = None) -> None:
    missing = missing_glyphs(path or font_path(), "".join(texts))
    if missing:
        raise ChartFontError(missing)


HEAD_IN = 1.2           # inches above the plot for the title and subtitle


def _figure(height: float) -> tuple[Figure, object]:
    """A figure with fixed margins (one draw when saving; a tight bounding box would draw twice)."""
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig, fig.add_axes((0.03, 0.02, 0.94, 1 - 0.02 - HEAD_IN / height))


def _header(fig: Figure, family: str, title: str, subtitle: str = "") -> None:
    height = fig.get_figheight()
    fig.text(0.5, 1 - 0.2 / height, title, ha="center", va="top", fontsize=FONT_SIZE + 5, family=family)
    if subtitle:
        fig.text(0.5, 1 - 0.78 / height, subtitle, ha="center", va="top", fontsize=FONT_SIZE - 2, family=family,
                 color="#555555")


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()


def pipeline_chart(figures, *, title: str = "销售漏斗（进行中）") -> bytes:
    """A funnel read from the left: one bar per stage, its length the number of open deals, the
    count and amount beside it; a stage with no deals gets no bar (not a sliver), its label in grey.
    `figures`: storage.queries.StageFigures rows in stage order."""
    rows = list(figures)
    labels = [f"{r.stage}  {r.count}个" + (f" · {money_text(r.amount)}" if r.amount else "") for r in rows]
    deals = sum(r.count for r in rows)
    weighted = sum(r.weighted for r in rows)
    subtitle = f"共{deals}个商机 · 加权预测 {money_text(weighted)}"
    _check([title, subtitle, *labels])
    family = _family()
    fig, ax = _figure(HEAD_IN + 0.2 + 0.62 * max(len(rows), 3))
    widest = max([r.count for r in rows] + [1])
    room = 0.55          # the longest bar; the labels go to its right, never over a bar
    for i, (row, label) in enumerate(zip(rows, labels)):
        width = room * row.count / widest
        if row.count:
            ax.barh(i, width, left=0, height=0.8, color=COLOURS[min(i, len(COLOURS) - 1)])
        ax.text(width + 0.015, i, label, ha="left", va="center", fontsize=FONT_SIZE, family=family,
                color="#222222" if row.count else "#9a9a9a")
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.axis("off")
    _header(fig, family, title, subtitle)
    return _png(fig)


def month_label(month: str | None) -> str:
    if month is None:
        return "未定"
    year, number = month.split("-")
    return f"{year[2:]}年{int(number)}月"


def forecast_chart(months, *, title: str = "成交预测（按预计成交月）") -> bytes:
    """Bars per expected close month: the amount (light) and the weighted amount (dark), in 万元.
    `months`: storage.report_queries.ForecastMonth rows."""
    rows = list(months)
    labels = [month_label(r.month) for r in rows]
    legend = ("金额（万元）", "加权金额（万元）")
    _check([title, *labels, *legend, "0123456789."])
    family = _family()
    fig = Figure(figsize=(WIDTH_IN, 5.4), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.1, 0.1, 0.86, 0.68))
    xs = range(len(rows))
    ax.bar([x - 0.2 for x in xs], [r.amount / 10000 for r in rows], width=0.4, color="#b5deea", label=legend[0])
    bars = ax.bar([x + 0.2 for x in xs], [r.weighted / 10000 for r in rows], width=0.4, color="#1f6fb2",
                  label=legend[1])
    for bar, row in zip(bars, rows):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), f"{row.weighted / 10000:.1f}",
                ha="center", va="bottom", fontsize=FONT_SIZE - 4, family=family)
    ax.set_xticks(list(xs), labels, fontsize=FONT_SIZE - 2, family=family)
    ax.tick_params(axis="y", labelsize=FONT_SIZE - 4)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(prop={"family": family, "size": FONT_SIZE - 4}, frameon=False, loc="lower center",
              bbox_to_anchor=(0.5, 1.0), ncols=2)
    _header(fig, family, title)
    return _png(fig)


def radar_chart(radar, *, title: str, subtitle: str = "") -> bytes:
    """A capability radar: the rep's six scores (0-100, filled) and the team median (dashed), each axis
    labelled with its name, the rep's score and the raw figure. `radar`: insights.radar.Radar."""
    import math

    axes = list(radar.axes)
    labels = [f"{a.name} {'—' if a.score is None else round(a.score)}\n{a.text}" for a in axes]
    legend = (radar.name, "团队中位数")
    _check([title, subtitle, *labels, *legend, "0123456789"])
    family = _family()
    fig = Figure(figsize=(WIDTH_IN, 8.4), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.21, 0.16, 0.58, 0.56), projection="polar")
    ax.set_theta_offset(math.pi / 2)  # the first axis at the top, the others clockwise
    ax.set_theta_direction(-1)
    angles = [2 * math.pi * i / len(axes) for i in range(len(axes))]
    closed = angles + angles[:1]

    def ring(values):
        values = [0.0 if v is None else v for v in values]
        return values + values[:1]

    median = ring([a.team_median for a in axes])
    mine = ring([a.score for a in axes])
    ax.plot(closed, median, color="#888888", linestyle="--", linewidth=2, label=legend[1])
    ax.plot(closed, mine, color="#1f6fb2", linewidth=2.5, label=legend[0])
    ax.fill(closed, mine, color="#1f6fb2", alpha=0.25)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100], ["", "50", "", "100"], fontsize=FONT_SIZE - 5, color="#777777")
    ax.set_rlabel_position(30)  # between the first two axes, off the lines
    ax.set_xticks(angles, [""] * len(angles))
    for angle, label in zip(angles, labels):
        # each label outside the ring, leaning away from it, so a score of 100 never runs into it
        x, y = math.sin(angle), math.cos(angle)
        ax.text(angle, 108, label, ha="center" if abs(x) < 0.1 else ("left" if x > 0 else "right"),
                va="bottom" if y > 0.1 else ("top" if y < -0.1 else "center"), fontsize=FONT_SIZE - 1,
                family=family, linespacing=1.3, clip_on=False)
    ax.spines["polar"].set_color("#cccccc")
    ax.grid(color="#dddddd")
    fig.legend(prop={"family": family, "size": FONT_SIZE - 2}, frameon=False, loc="lower center",
               bbox_to_anchor=(0.5, 0.01), ncols=2)
    _header(fig, family, title, subtitle)
    return _png(fig)

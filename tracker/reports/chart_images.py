"""Charts as images for the report (PNG, or SVG), drawn with matplotlib from the same
``dashboard_data.ChartData`` rows the dashboard's charts use. Numbers on the charts are
written the Indonesian way (decimal comma)."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on servers and workers

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..domain.numbers import format_id  # noqa: E402
from .charts import COLORS, SERIES  # noqa: E402

DPI = 150


def _figure(width_cm: float = 16, height_cm: float = 8) -> Figure:
    fig = Figure(figsize=(width_cm / 2.54, height_cm / 2.54), dpi=DPI)
    fig.set_layout_engine("tight")
    return fig


def _out(fig: Figure, fmt: str) -> bytes:
    buf = io.BytesIO()
    # SVG keeps its words as text (searchable, read by screen readers), not as glyph outlines.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format=fmt, dpi=DPI)
    plt.close(fig)
    return buf.getvalue()


def _style(ax, title: str) -> None:
    ax.set_title(title, fontsize=9, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=7)


def bars(labels: list[str], values: list[float], title: str, colors: list[str] | None = None,
         decimals: int = 0, suffix: str = "", fmt: str = "png", height_cm: float = 7) -> bytes:
    """Vertical bars with the value printed on each."""
    fig = _figure(height_cm=height_cm)
    ax = fig.add_subplot()
    xs = range(len(labels))
    drawn = ax.bar(xs, values, color=colors or SERIES[0])
    ax.set_xticks(list(xs), labels, fontsize=7)
    for rect, v in zip(drawn, values):
        ax.annotate(format_id(v, decimals) + suffix, (rect.get_x() + rect.get_width() / 2, rect.get_height()),
                    ha="center", va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    _style(ax, title)
    return _out(fig, fmt)


def hbars(labels: list[str], values: list[float], title: str, colors: list[str] | None = None,
          decimals: int = 3, lo: float | None = None, hi: float | None = None, fmt: str = "png") -> bytes:
    """Horizontal bars, first label at the top (element values lowest first)."""
    fig = _figure(height_cm=max(6, 0.7 * len(labels) + 2))
    ax = fig.add_subplot()
    ys = list(range(len(labels)))[::-1]
    ax.barh(ys, values, color=colors or SERIES[0])
    ax.set_yticks(ys, labels, fontsize=7)
    if lo is not None or hi is not None:
        ax.set_xlim(lo, hi)
    for y, v in zip(ys, values):
        ax.annotate(format_id(v, decimals), (v, y), va="center", fontsize=7, xytext=(3, 0),
                    textcoords="offset points")
    _style(ax, title)
    return _out(fig, fmt)


def line(labels: list[str], values: list[float], title: str, decimals: int = 2, fmt: str = "png",
         notes: list[str] | None = None) -> bytes:
    """A trend line with each point's value; ``notes`` mark points (e.g. 'sebelum aplikasi')."""
    fig = _figure(height_cm=7)
    ax = fig.add_subplot()
    xs = list(range(len(labels)))
    ax.plot(xs, values, marker="o", color=SERIES[0])
    ax.set_xticks(xs, labels, fontsize=7)
    for x, v in zip(xs, values):
        ax.annotate(format_id(v, decimals), (x, v), ha="center", fontsize=7, xytext=(0, 5),
                    textcoords="offset points")
    if values:
        span = max(values) - min(values) or 1
        ax.set_ylim(min(values) - span * 0.4, max(values) + span * 0.4)
    _style(ax, title)
    if notes:
        ax.text(0, -0.22, "; ".join(notes), transform=ax.transAxes, fontsize=6, color="#5b6b7b")
    return _out(fig, fmt)


def pie(labels: list[str], values: list[float], title: str, colors: list[str] | None = None,
        fmt: str = "png") -> bytes:
    """Shares; zero slices are left out, the legend names each with its count."""
    kept = [(lab, v, c) for lab, v, c in zip(labels, values, colors or SERIES) if v]
    fig = _figure(height_cm=7)
    ax = fig.add_subplot()
    if kept:
        total = sum(v for _, v, _ in kept)
        ax.pie([v for _, v, _ in kept], colors=[c for _, _, c in kept], startangle=90, counterclock=False,
               autopct=lambda p: format_id(p, 1) + "%", textprops={"fontsize": 7})
        ax.legend([f"{lab} ({format_id(v, 0)})" for lab, v, _ in kept], fontsize=7, loc="center left",
                  bbox_to_anchor=(1, 0.5), frameon=False)
        ax.set_title(f"{title} (n = {format_id(total, 0)})", fontsize=9, loc="left")
    else:
        ax.set_title(title, fontsize=9, loc="left")
        ax.axis("off")
    return _out(fig, fmt)


def category_colors(codes: list[str]) -> list[str]:
    return [COLORS.get(c, SERIES[0]) for c in codes]

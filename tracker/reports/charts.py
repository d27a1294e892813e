"""Server-rendered inline SVG charts: no JavaScript, no external files (the CSP allows neither
inline scripts nor other origins). Colours are SVG presentation attributes, not style attributes,
so they pass ``style-src 'self'``. Every chart has a <title> and role="img"; its numbers are
also shown as a table next to it by the template."""
from __future__ import annotations

from html import escape

from markupsafe import Markup

from ..domain.numbers import format_id

COLORS = {"A": "#1e7d32", "B": "#2f6fb3", "C": "#c77c02", "D": "#b3261e",
          "Naik": "#1e7d32", "Turun": "#b3261e", "Stagnan": "#8a96a3",
          "above": "#2f6fb3", "below": "#c77c02"}
SERIES = ("#0b5cad", "#c77c02", "#1e7d32", "#8e24aa", "#b3261e", "#00838f", "#6d4c41", "#5b6b7b")
FONT = 'font-family="system-ui, sans-serif"'


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    t = escape(title)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{t}"><title>{t}</title>' + "".join(body) + "</svg>")


def _text(x, y, text, size=11, anchor="start", color="#1d2733", weight="normal", extra="") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{color}" '
            f'font-weight="{weight}" {FONT} {extra}>{escape(str(text))}</text>')


def _nice_range(values: list[float], floor: float | None = None, ceil: float | None = None):
    lo = min(values) if values else 0
    hi = max(values) if values else 1
    if floor is not None:
        lo = min(lo, floor)
    if ceil is not None:
        hi = max(hi, ceil)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.1
    return lo - pad, hi + pad


def line_chart(labels: list[str], series: list[tuple[str, list[float | None]]], title: str,
               y_min: float | None = None, y_max: float | None = None, decimals: int = 2,
               bands: list[tuple[float, float, str]] | None = None, width: int = 720,
               height: int = 300) -> Markup:
    """Lines over categorical x labels; None values break the line."""
    left, right, top, bottom = 56, 160 if len(series) > 1 else 20, 20, 50
    pw, ph = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    lo, hi = (y_min, y_max) if y_min is not None and y_max is not None else _nice_range(values)
    n = max(1, len(labels))

    def x(i):
        return left + (pw * (i + 0.5) / n)

    def y(v):
        return top + ph - (v - lo) / (hi - lo) * ph

    body = [f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#ffffff" stroke="#d5dde5"/>']
    for b_lo, b_hi, color in bands or []:
        a, b = max(b_lo, lo), min(b_hi, hi)
        if a < b:
            body.append(f'<rect x="{left}" y="{y(b):.1f}" width="{pw}" height="{y(a) - y(b):.1f}" '
                        f'fill="{color}" fill-opacity="0.08"/>')
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        body.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e9ef"/>')
        body.append(_text(left - 6, y(v) + 4, format_id(v, 1), 10, "end", "#5b6b7b"))
    for i, lab in enumerate(labels):
        body.append(_text(x(i), top + ph + 16, lab, 10, "middle", "#5b6b7b"))
    for s, (name, vs) in enumerate(series):
        color = SERIES[s % len(SERIES)]
        path, pen = [], False
        for i, v in enumerate(vs):
            if v is None:
                pen = False
                continue
            path.append(f"{'L' if pen else 'M'}{x(i):.1f},{y(v):.1f}")
            pen = True
        if path:
            body.append(f'<path d="{" ".join(path)}" fill="none" stroke="{color}" stroke-width="2.5"/>')
        for i, v in enumerate(vs):
            if v is None:
                continue
            body.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{color}"/>')
            if len(series) == 1 or len(labels) <= 4:
                body.append(_text(x(i), y(v) - 9, format_id(v, decimals), 10, "middle", color, "bold"))
        if len(series) > 1:
            ly = top + 14 + s * 18
            body.append(f'<rect x="{left + pw + 12}" y="{ly - 9}" width="12" height="12" fill="{color}"/>')
            body.append(_text(left + pw + 30, ly + 1, name[:22], 11))
    return _svg(width, height, title, body)


def hbar_chart(items: list[tuple[str, float, str]], title: str, decimals: int = 2,
               x_min: float = 0.0, x_max: float | None = None, reference: tuple[float, str] | None = None,
               width: int = 720, label_width: int = 230, suffix: str = "") -> Markup:
    """Horizontal bars: items are (label, value, colour)."""
    bar_h, gap, top = 20, 6, 10
    height = top + len(items) * (bar_h + gap) + 30
    left = label_width
    pw = width - left - 70
    hi = x_max if x_max is not None else max([v for _, v, _ in items] + [1])
    span = (hi - x_min) or 1

    def x(v):
        return left + max(0.0, (v - x_min)) / span * pw

    body = [f'<line x1="{left}" x2="{left}" y1="{top - 4}" y2="{height - 24}" stroke="#aab7c4"/>']
    for i, (lab, value, color) in enumerate(items):
        yy = top + i * (bar_h + gap)
        body.append(_text(left - 8, yy + 14, lab if len(lab) <= 46 else lab[:45] + "…", 11, "end"))
        w = x(value) - left
        body.append(f'<rect x="{left}" y="{yy}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{color}"/>')
        body.append(_text(left + w + 6, yy + 14, format_id(value, decimals) + suffix, 11))
    if reference is not None:
        rv, rl = reference
        body.append(f'<line x1="{x(rv):.1f}" x2="{x(rv):.1f}" y1="{top - 4}" y2="{height - 24}" '
                    f'stroke="#1d2733" stroke-dasharray="4 3"/>')
        body.append(_text(x(rv), height - 8, rl, 10, "middle", "#1d2733"))
    body.append(_text(left, height - 8, format_id(x_min, 1), 10, "middle", "#5b6b7b"))
    if x_max is not None:
        body.append(f'<line x1="{x(hi):.1f}" x2="{x(hi):.1f}" y1="{top - 4}" y2="{height - 24}" '
                    f'stroke="#e3e9ef"/>')
        body.append(_text(x(hi), height - 8, format_id(hi, 1), 10, "middle", "#5b6b7b"))
    return _svg(width, height, title, body)


def share_bar(items: list[tuple[str, int, str]], title: str, width: int = 720) -> Markup:
    """One 100% stacked bar with a legend: items are (label, count, colour)."""
    total = sum(n for _, n, _ in items)
    height = 90
    left, pw, yy, bh = 10, width - 20, 10, 34
    body = [f'<rect x="{left}" y="{yy}" width="{pw}" height="{bh}" fill="#e3e9ef"/>']
    pos = left
    for lab, n, color in items:
        if not total or not n:
            continue
        w = pw * n / total
        body.append(f'<rect x="{pos:.1f}" y="{yy}" width="{w:.1f}" height="{bh}" fill="{color}"/>')
        if w > 40:
            body.append(_text(pos + w / 2, yy + 22, f"{format_id(100 * n / total, 1)}%", 12, "middle",
                              "#ffffff", "bold"))
        pos += w
    lx = left
    for lab, n, color in items:
        body.append(f'<rect x="{lx}" y="{yy + bh + 16}" width="12" height="12" fill="{color}"/>')
        text = f"{lab}: {n}"
        body.append(_text(lx + 17, yy + bh + 27, text, 11))
        lx += 24 + 7 * len(text)
    return _svg(width, height, title, body)

"""Small charts as inline SVG for ``podwire report``: lines, steps, stacked
areas and bars on linear, logarithmic or categorical axes, with the legend
beside the plot and event marks on the time axis. No JavaScript, no fonts
to fetch: the page that holds them works offline and prints."""

from __future__ import annotations

from dataclasses import dataclass, field
import hashlib
import html
import math
from typing import Callable, Sequence

# Okabe-Ito, then a few more: told apart with colour blindness and in grey print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#7F3C8D", "#11A579", "#3969AC", "#F2B701")

Formatter = Callable[[float], str]


def fmt_seconds(s: float) -> str:
    """A time as people write it on an axis: 500 µs, 2 ms, 1.5 s, 2 min."""
    a = abs(s)
    if a == 0:
        return "0"
    for unit, scale in (("min", 60.0), ("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if a >= scale * 0.9999 or unit == "ns":
            if unit == "min" and a < 120:
                continue
            return f"{_g(s / scale)} {unit}"
    return f"{s:g}"


def fmt_number(v: float) -> str:
    """1,200 → 1.2k; 3e6 → 3M; small numbers as they are."""
    a = abs(v)
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if a >= scale:
            return f"{_g(v / scale)}{suffix}"
    return _g(v)


def fmt_percent(v: float) -> str:
    return f"{_g(v * 100)}%"


def _g(v: float) -> str:
    text = f"{v:.3g}"
    return text if "e" not in text else f"{v:.2e}"


def _esc(text: str) -> str:
    return html.escape(str(text), quote=True)


class Scale:
    """Data to pixels along one axis, with the ticks to label it."""

    def __init__(self, lo: float, hi: float, p0: float, p1: float, log: bool = False) -> None:
        if log:
            lo, hi = max(lo, 1e-300), max(hi, 1e-300)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            lo, hi = (1.0, 10.0) if log else (0.0, 1.0)
        if hi <= lo:
            lo, hi = (lo / 2, lo * 2) if log else (lo - 0.5, lo + 0.5)
        self.lo, self.hi, self.p0, self.p1, self.log = lo, hi, p0, p1, log
        self._a = math.log10(lo) if log else lo
        self._b = math.log10(hi) if log else hi

    def __call__(self, v: float) -> float:
        t = (math.log10(max(v, 1e-300)) if self.log else v) - self._a
        return self.p0 + (self.p1 - self.p0) * t / (self._b - self._a)

    def ticks(self) -> tuple[list[float], list[float]]:
        """(labelled ticks, minor ticks) inside the range."""
        if self.log:
            first, last = math.floor(self._a), math.ceil(self._b)
            decades = [10.0 ** k for k in range(first, last + 1)]
            # The densest set of labels that keeps them 40 px apart: every other
            # decade over many, 1-2-5 over a few, 1-1.5-2-3-4-5-7 within one.
            major = [d for d in decades if self.lo <= d <= self.hi * 1.0001]
            decade_px = abs(self.p1 - self.p0) / max(self._b - self._a, 1e-12)
            if decade_px < 40:
                major = major[::math.ceil(40 / decade_px)]
            for steps in ((1, 2, 5), (1, 2, 3, 5), (1, 1.5, 2, 3, 4, 5, 7)):
                ticks = [d * m for d in decades for m in steps if self.lo <= d * m <= self.hi * 1.0001]
                gaps = [abs(self(b) - self(a)) for a, b in zip(ticks, ticks[1:])]
                if gaps and min(gaps) < 40:
                    break
                major = ticks
            minor = [d * m for d in decades for m in range(2, 10)
                     if self.lo <= d * m <= self.hi and d * m not in major]
            if len(major) < 2:  # less than a decade: linear ticks read better
                return _linear_ticks(self.lo, self.hi), []
            return major, minor
        return _linear_ticks(self.lo, self.hi), []


def _linear_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    raw = (hi - lo) / target
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    n = int((hi - first) / step + 1e-9) + 1
    return [round(first + i * step, 12) for i in range(max(n, 0))]


def nice_max(v: float) -> float:
    """The top of a linear axis: the data's maximum rounded up to a tick."""
    if v <= 0 or not math.isfinite(v):
        return 1.0
    ticks = _linear_ticks(0.0, v)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else v
    return ticks[-1] if ticks[-1] >= v else ticks[-1] + step


@dataclass
class _Series:
    kind: str  # line, step, area, bars, scatter
    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    color: str
    dash: bool = False
    base: Sequence[float] | None = None
    width: float = 0.0


@dataclass
class Chart:
    """One figure. Add series, then ``svg()``. ``x_categories`` makes the x axis
    categorical (series give positions 0, 1, ...)."""

    title: str
    x_label: str
    y_label: str
    width: int = 640
    height: int = 300
    x_log: bool = False
    y_log: bool = False
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    x_format: Formatter = fmt_number
    y_format: Formatter = fmt_number
    x_categories: Sequence[str] | None = None
    legend_width: int = 210
    series: list[_Series] = field(default_factory=list)
    marks: list[tuple[float, str, str]] = field(default_factory=list)
    rugs: list[tuple[Sequence[float], str, str]] = field(default_factory=list)

    def _color(self, color: str | None) -> str:
        return color or PALETTE[len([s for s in self.series if s.label]) % len(PALETTE)]

    def line(self, xs: Sequence[float], ys: Sequence[float], label: str = "", *, step: bool = False,
             dash: bool = False, color: str | None = None, markers: bool = False) -> "Chart":
        kind = "step" if step else "scatter" if markers else "line"
        self.series.append(_Series(kind, label, list(xs), list(ys), self._color(color), dash))
        return self

    def stack(self, xs: Sequence[float], layers: Sequence[tuple[str, Sequence[float]]], *,
              bars: bool = False, bar_width: float = 1.0, colors: Sequence[str] | None = None) -> "Chart":
        """Layers on top of one another (areas, or bars of ``bar_width`` starting at each x)."""
        base = [0.0] * len(xs)
        for i, (label, ys) in enumerate(layers):
            top = [b + float(y) for b, y in zip(base, ys)]
            color = colors[i] if colors else self._color(None)
            self.series.append(_Series("bars" if bars else "area", label, list(xs), top, color, base=base,
                                       width=bar_width))
            base = top
        return self

    def mark(self, x: float, label: str, color: str = "#444") -> "Chart":
        """A vertical line across the plot at ``x`` (an event), labelled at its
        top with the label's first words (before " | "), all of it on hover."""
        self.marks.append((x, label, color))
        return self

    def rug(self, xs: Sequence[float], label: str, color: str = "#888") -> "Chart":
        """Short ticks along the bottom of the plot at each of ``xs`` (many small events)."""
        if len(xs):
            self.rugs.append((list(xs), label, color))
        return self

    # --- drawing ---------------------------------------------------------

    def _ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        xs = [float(x) for s in self.series for x in s.xs if math.isfinite(x) and (not self.x_log or x > 0)]
        xs += [float(x) for x, _, _ in self.marks]
        ys = [float(y) for s in self.series for y in s.ys if math.isfinite(y) and (not self.y_log or y > 0)]
        if self.x_categories is not None:
            xr = (-0.5, len(self.x_categories) - 0.5)
        elif self.x_range is not None:
            xr = self.x_range
        else:
            xr = (min(xs, default=0.0), max(xs, default=1.0))
            if any(s.kind == "bars" for s in self.series):
                xr = (xr[0], xr[1] + max(s.width for s in self.series))
        if self.y_range is not None:
            yr = self.y_range
        elif self.y_log:
            yr = (min(ys, default=1.0), max(ys, default=10.0))
        else:
            yr = (min(0.0, min(ys, default=0.0)), nice_max(max(ys, default=1.0)))
        return xr, yr

    def svg(self) -> str:
        legend = [s for s in self.series if s.label]
        legend_w = self.legend_width if legend or self.marks or self.rugs else 0
        left, right, top, bottom = 62, 12 + legend_w, 30, 44
        w, h = self.width, self.height
        (x0, x1), (y0, y1) = self._ranges()
        sx = Scale(x0, x1, left, w - right, self.x_log)
        sy = Scale(y0, y1, h - bottom, top, self.y_log)
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{w}" height="{h}" '
               f'viewBox="0 0 {w} {h}" role="img" aria-label="{_esc(self.title)}">',
               f'<title>{_esc(self.title)}</title>',
               f'<text class="t" x="{left}" y="18">{_esc(self.title)}</text>']
        out += self._grid(sx, sy, left, w - right, top, h - bottom)
        key = "|".join([self.title, str(w), str(h), *(s.label for s in self.series)])
        clip = "c" + hashlib.sha1(key.encode()).hexdigest()[:10]  # the same page twice is the same text
        out.append(f'<clipPath id="{clip}"><rect x="{left}" y="{top}" width="{w - right - left}" '
                   f'height="{h - bottom - top}"/></clipPath><g clip-path="url(#{clip})">')
        for s in self.series:
            out.append(self._draw(s, sx, sy))
        for xs, label, color in self.rugs:
            path = "".join(f"M{sx(x):.1f} {h - bottom:.1f}v-7" for x in xs)
            out.append(f'<path d="{path}" stroke="{color}" stroke-width="1"><title>{_esc(label)}</title></path>')
        for x, label, color in self.marks:
            px = sx(x)
            out.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{top}" y2="{h - bottom}" stroke="{color}" '
                       f'stroke-dasharray="4 3"><title>{_esc(label.split(" | ")[0])} ({_esc(label.split(" | ")[-1])}) at {x:g} s'
                       '</title></line>')
        out.append("</g>")
        for i, (x, label, color) in enumerate(self.marks[:8]):
            out.append(f'<text class="m" x="{sx(x) + 3:.1f}" y="{top + 11 + 11 * (i % 3)}" fill="{color}">'
                       f'{_esc(_short(label.split(" | ")[0], 22))}</text>')
        out.append(f'<text class="a" x="{(left + w - right) / 2:.0f}" y="{h - 8}" text-anchor="middle">'
                   f'{_esc(self.x_label)}</text>')
        out.append(f'<text class="a" transform="translate(14 {(top + h - bottom) / 2:.0f}) rotate(-90)" '
                   f'text-anchor="middle">{_esc(self.y_label)}</text>')
        out += self._legend(legend, w - legend_w + 6, top)
        out.append("</svg>")
        return "".join(out)

    def _grid(self, sx: Scale, sy: Scale, l: float, r: float, t: float, b: float) -> list[str]:
        out = [f'<rect x="{l}" y="{t}" width="{r - l}" height="{b - t}" class="f"/>']
        if self.x_categories is not None:
            xmajor: list[float] = list(range(len(self.x_categories)))
            xminor: list[float] = []
        else:
            xmajor, xminor = sx.ticks()
        ymajor, yminor = sy.ticks()
        for v in xminor:
            out.append(f'<line class="g2" x1="{sx(v):.1f}" x2="{sx(v):.1f}" y1="{t}" y2="{b}"/>')
        for v in yminor:
            out.append(f'<line class="g2" x1="{l}" x2="{r}" y1="{sy(v):.1f}" y2="{sy(v):.1f}"/>')
        for v in xmajor:
            px = sx(v)
            text = self.x_categories[int(v)] if self.x_categories is not None else self.x_format(v)
            out.append(f'<line class="g" x1="{px:.1f}" x2="{px:.1f}" y1="{t}" y2="{b}"/>'
                       f'<text class="k" x="{px:.1f}" y="{b + 15}" text-anchor="middle">{_esc(_short(text, 14))}</text>')
        for v in ymajor:
            py = sy(v)
            out.append(f'<line class="g" x1="{l}" x2="{r}" y1="{py:.1f}" y2="{py:.1f}"/>'
                       f'<text class="k" x="{l - 5}" y="{py + 4:.1f}" text-anchor="end">{_esc(self.y_format(v))}</text>')
        return out

    def _draw(self, s: _Series, sx: Scale, sy: Scale) -> str:
        pts = [(float(x), float(y)) for x, y in zip(s.xs, s.ys) if _ok(x, self.x_log) and _ok(y, self.y_log)]
        title = f"<title>{_esc(s.label)}</title>" if s.label else ""
        if s.kind in ("area", "bars"):
            base = [float(b) for b in (s.base or [0.0] * len(s.xs))]
            floor = sy.lo if self.y_log else 0.0
            if s.kind == "bars":
                rects = "".join(
                    f'M{sx(x):.1f} {sy(max(b, floor)):.1f}H{sx(x + s.width):.1f}V{sy(y):.1f}H{sx(x):.1f}Z'
                    for x, y, b in zip(s.xs, s.ys, base) if y > b)
                return f'<path d="{rects}" fill="{s.color}">{title}</path>'
            up = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(s.xs, s.ys))
            down = " ".join(f"{sx(x):.1f},{sy(max(b, floor)):.1f}" for x, b in zip(reversed(s.xs), reversed(base)))
            return f'<polygon points="{up} {down}" fill="{s.color}" fill-opacity="0.85">{title}</polygon>'
        if not pts:
            return ""
        if s.kind == "scatter":
            dots = "".join(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3"/>' for x, y in pts)
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
            dash = ' stroke-dasharray="5 3"' if s.dash else ""
            return (f'<g fill="{s.color}" stroke="{s.color}">{title}<polyline points="{path}" fill="none" '
                    f'stroke-width="1.6"{dash}/>{dots}</g>')
        if s.kind == "step":
            coords = []
            for i, (x, y) in enumerate(pts):
                if i:
                    coords.append(f"{sx(x):.1f},{sy(pts[i - 1][1]):.1f}")
                coords.append(f"{sx(x):.1f},{sy(y):.1f}")
        else:
            coords = [f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts]
        dash = ' stroke-dasharray="5 3"' if s.dash else ""
        return (f'<polyline points="{" ".join(coords)}" fill="none" stroke="{s.color}" stroke-width="1.6"'
                f'{dash}>{title}</polyline>')

    def _legend(self, entries: list[_Series], x: float, y: float) -> list[str]:
        out = []
        rows = [(s.label, s.color, s.dash) for s in entries]
        rows += [("events (dashed lines)", self.marks[0][2], True)] if self.marks else []
        rows += [(label, color, False) for _, label, color in self.rugs]
        seen: set[str] = set()
        max_rows = max(1, int((self.height - y - 20) // 16))
        shown = [r for r in rows if not (r[0] in seen or seen.add(r[0]))]
        for i, (label, color, dash) in enumerate(shown[:max_rows]):
            py = y + 8 + 16 * i
            d = ' stroke-dasharray="4 3"' if dash else ""
            out.append(f'<line x1="{x:.0f}" x2="{x + 18:.0f}" y1="{py}" y2="{py}" stroke="{color}" stroke-width="3"{d}/>'
                       f'<text class="l" x="{x + 23:.0f}" y="{py + 4}"><title>{_esc(label)}</title>'
                       f"{_esc(_short(label, 30))}</text>")
        if len(shown) > max_rows:
            out.append(f'<text class="l" x="{x:.0f}" y="{y + 8 + 16 * max_rows + 4}">'
                       f'+{len(shown) - max_rows} more</text>')
        return out


def _ok(v: float, log: bool) -> bool:
    return v is not None and math.isfinite(v) and (not log or v > 0)


def _short(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


CSS = """
svg.chart{max-width:100%;height:auto;font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif}
svg.chart .t{font-size:13px;font-weight:600;fill:#222}
svg.chart .a{font-size:11px;fill:#333}
svg.chart .k,svg.chart .l{font-size:10.5px;fill:#333}
svg.chart .m{font-size:9.5px}
svg.chart .f{fill:#fff;stroke:#999}
svg.chart .g{stroke:#ddd}
svg.chart .g2{stroke:#eee}
"""

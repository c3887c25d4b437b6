"""Charts drawn by the service as inline SVG: readable printed, nothing loaded from elsewhere."""

from __future__ import annotations

from datetime import datetime, timedelta

from markupsafe import Markup, escape


def sparkline(values: list[int], *, width: int = 120, height: int = 24) -> Markup:
    """A line of events per minute; the last point is now."""
    if not values:
        values = [0]
    top = max(values) or 1
    step = width / max(1, len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for i, v in enumerate(values)
    )
    label = escape(f"{sum(values)} events in the last {len(values)} minutes, peak {max(values)}")
    # Only numbers and an escaped label go into the markup.
    return Markup(  # noqa: S704
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{label}"><polyline fill="none" stroke="currentColor" '
        f'stroke-width="1.5" points="{points}"/></svg>'
    )


def volume_chart(
    values: list[int], start: datetime, *, width: int = 640, height: int = 160
) -> Markup:
    """Bars of events per minute with the peak and the first and last minute labelled."""
    values = values or [0]
    top = max(values) or 1
    plot_h = height - 30
    bar = width / len(values)
    bars = "".join(
        f'<rect x="{i * bar:.2f}" y="{10 + plot_h - v / top * plot_h:.2f}" '
        f'width="{max(bar - 1, 0.5):.2f}" height="{v / top * plot_h:.2f}"><title>'
        f"{(start + timedelta(minutes=i)):%H:%M} {v}</title></rect>"
        for i, v in enumerate(values)
        if v
    )
    end = start + timedelta(minutes=len(values) - 1)
    label = escape(f"events per minute, {start:%H:%M} to {end:%H:%M} UTC, peak {top}")
    return Markup(  # noqa: S704 - numbers, times and an escaped label only
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
        f'<g fill="#3b6ea8">{bars}</g>'
        f'<line x1="0" y1="{10 + plot_h}" x2="{width}" y2="{10 + plot_h}" stroke="#333"/>'
        f'<text x="0" y="{height - 4}" font-size="11">{start:%H:%M}</text>'
        f'<text x="{width}" y="{height - 4}" font-size="11" text-anchor="end">{end:%H:%M} UTC'
        f'</text><text x="4" y="10" font-size="11">max {top}/min</text></svg>'
    )

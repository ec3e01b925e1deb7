"""Accessible charts drawn on the server as inline SVG: no JavaScript, no CDN, no inline styles.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by a ``<desc>`` that
reads out every figure, followed by the same figures as a table for those who prefer one. Bars
are sized in percent of the SVG's own width and the text keeps its pixel size, so a chart stays
legible from a 320 px phone to a wide screen. Colours come from classes styled in site.css.
"""

import textwrap
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

ROW_HEIGHT = 40  # px per bar: a label line above a 16 px bar
LINE_HEIGHT = 17  # px per further line of a label that wraps
LABEL_CHARACTERS = 28  # a line of 14 px text that fits the narrowest chart (~226 px of SVG)
BAR_AREA = 82  # percent of the width the longest bar takes; the rest holds its value
SEGMENT_CLASSES = 6  # chart-seg-0 … chart-seg-5 in site.css


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    url: str = ""


def _figure(value) -> str:
    """A figure in the active language's format, without trailing zeros (60, 12,5)."""
    value = Decimal(str(round(float(value), 2)))
    if value == value.to_integral_value():
        return number_format(int(value), use_l10n=True, force_grouping=True)
    return number_format(value.normalize(), use_l10n=True, force_grouping=True)


def _percent(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bar_svg(bars, *, chart_id: str, title: str, description: str) -> SafeString:
    """The SVG of a horizontal bar chart of ``bars``, without a table (the caller shows one)."""
    bars = [bar for bar in bars if bar.value is not None]
    if not bars:
        return SafeString("")
    largest = max(float(bar.value) for bar in bars) or 1.0
    rows = []
    top = 0
    for bar in bars:
        lines = _label_lines(bar.label)
        below = (len(lines) - 1) * LINE_HEIGHT  # the bar moves down by the label's extra lines
        width = max(float(bar.value) / largest * BAR_AREA, 0.4)
        rows.append(
            format_html(
                '<g class="chart-row">'
                '<text class="chart-label" x="0" y="{}">{}</text>'
                '<rect class="chart-bar" x="0" y="{}" width="{}%" height="16" rx="3"></rect>'
                '<text class="chart-value" x="{}%" dx="6" y="{}">{}</text>'
                "</g>",
                top + 14,
                _label_text(lines),
                top + 20 + below,
                _percent(width),
                _percent(width),
                top + 33 + below,
                _figure(bar.value),
            )
        )
        top += ROW_HEIGHT + below
    readout = "; ".join(f"{bar.label}: {_figure(bar.value)}" for bar in bars)
    return _svg(chart_id, top, title, f"{description} {readout}", rows)


def _svg(chart_id, height, title, description, rows) -> SafeString:
    return format_html(
        '<svg class="chart-svg" role="img" aria-labelledby="{id}-title {id}-desc" width="100%" height="{height}"'
        ' xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">{description}</desc>{rows}</svg>',
        id=chart_id,
        height=height,
        title=title,
        description=description,
        rows=SafeString("".join(rows)),
    )


def bar_chart(
    bars, *, chart_id: str, title: str, description: str, label_heading: str, value_heading: str
) -> SafeString:
    """A horizontal bar chart of ``bars`` (largest first is the caller's choice)."""
    bars = [bar for bar in bars if bar.value is not None]
    if not bars:
        return SafeString("")
    svg = bar_svg(bars, chart_id=chart_id, title=title, description=description)
    table_rows = format_html_join(
        "",
        "<tr><th scope='row'>{}</th><td class='number'>{}</td></tr>",
        ((_linked(bar), _figure(bar.value)) for bar in bars),
    )
    return format_html(
        '<figure class="chart" id="{id}"><figcaption class="chart-caption">{title}</figcaption>{svg}'
        '<details class="chart-table"><summary>{show}</summary>'
        "<table><caption class='visually-hidden'>{title}</caption>"
        "<thead><tr><th scope='col'>{label_heading}</th><th scope='col' class='number'>{value_heading}</th></tr></thead>"
        "<tbody>{rows}</tbody></table></details></figure>",
        id=chart_id,
        title=title,
        svg=svg,
        show=_("Show the figures as a table"),
        label_heading=label_heading,
        value_heading=value_heading,
        rows=table_rows,
    )


GROUP_BAR = 11  # px: each series' bar in a group
GROUP_ROW_HEIGHT = 22 + 2 * (GROUP_BAR + 3)  # a label line, then one bar per series


def grouped_bar_svg(groups, series, *, chart_id: str, title: str, description: str):
    """Horizontal bars in groups, one bar per series (e.g. joined and left, per month), all on
    one scale; ``groups`` are (label, [one value per series]), ``series`` the series' names.
    Returns the SVG and its legend; the caller shows the figures' table."""
    if not groups:
        return SafeString("")
    largest = max((float(v) for _label, values in groups for v in values), default=0) or 1.0
    rows, top = [], 0
    for label, values in groups:
        lines = _label_lines(label)
        below = (len(lines) - 1) * LINE_HEIGHT
        parts = [
            format_html(
                '<text class="chart-label" x="0" y="{}">{}</text>', top + 14, _label_text(lines)
            )
        ]
        for index, value in enumerate(values[: len(series)]):
            y = top + 20 + below + index * (GROUP_BAR + 3)
            width = max(float(value) / largest * BAR_AREA, 0.4)
            parts.append(
                format_html(
                    '<rect class="chart-seg-{}" x="0" y="{}" width="{}%" height="{}" rx="2"></rect>'
                    '<text class="chart-value" x="{}%" dx="6" y="{}">{}</text>',
                    index % SEGMENT_CLASSES,
                    y,
                    _percent(width),
                    GROUP_BAR,
                    _percent(width),
                    y + GROUP_BAR - 1,
                    _figure(value),
                )
            )
        rows.append(format_html('<g class="chart-row">{}</g>', SafeString("".join(parts))))
        top += GROUP_ROW_HEIGHT + below
    readout = "; ".join(
        f"{label}: "
        + ", ".join(f"{name} {_figure(v)}" for name, v in zip(series, values, strict=False))
        for label, values in groups
    )
    legend = format_html_join(
        "",
        '<li><svg class="chart-swatch" width="14" height="14" aria-hidden="true" focusable="false">'
        '<rect class="chart-seg-{}" width="14" height="14" rx="2"></rect></svg> {}</li>',
        ((index % SEGMENT_CLASSES, name) for index, name in enumerate(series)),
    )
    return format_html(
        '{}<ul class="chart-legend" aria-hidden="true">{}</ul>',
        _svg(chart_id, top, title, f"{description} {readout}", rows),
        legend,
    )


def _label_lines(label: str) -> list[str]:
    """SVG text does not wrap: a long label is broken between words into lines that fit the
    narrowest chart (a word longer than a line is broken where it must)."""
    return textwrap.wrap(str(label), LABEL_CHARACTERS, break_on_hyphens=False) or [""]


def _label_text(lines: list[str]):
    if len(lines) == 1:
        return lines[0]
    return format_html_join(
        "",
        '<tspan x="0" dy="{}">{}</tspan>',
        ((0 if index == 0 else LINE_HEIGHT, line) for index, line in enumerate(lines)),
    )


def _linked(bar: Bar):
    return format_html('<a href="{}">{}</a>', bar.url, bar.label) if bar.url else bar.label


def share_bar(segments, *, chart_id: str, title: str) -> SafeString:
    """One bar split into shares (percent), e.g. a project's funding; legend below it.

    ``segments`` are (label, percent) pairs; shares that do not reach 100 % leave the bar's end
    empty, so a missing share is visible rather than stretched away.
    """
    segments = [
        (label, float(share)) for label, share in segments if share is not None and float(share) > 0
    ]
    if not segments:
        return SafeString("")
    total = sum(share for _label, share in segments)
    scale = 100.0 / total if total > 100 else 1.0
    rects, legend, offset = [], [], 0.0
    for index, (label, share) in enumerate(segments):
        width = share * scale
        css_class = f"chart-seg-{index % SEGMENT_CLASSES}"
        rects.append(
            format_html(
                '<rect class="{}" x="{}%" y="0" width="{}%" height="28"></rect>',
                css_class,
                _percent(offset),
                _percent(width),
            )
        )
        legend.append(
            format_html(
                '<li><svg class="chart-swatch" width="14" height="14" aria-hidden="true" focusable="false">'
                '<rect class="{}" width="14" height="14" rx="2"></rect></svg> {} <strong>{}</strong></li>',
                css_class,
                label,
                _("%(share)s %%") % {"share": _figure(share)},
            )
        )
        offset += width
    readout = "; ".join(
        f"{label}: " + _("%(share)s %%") % {"share": _figure(share)} for label, share in segments
    )
    return format_html(
        '<figure class="chart chart-shares" id="{id}">'
        '<svg class="chart-svg" role="img" aria-labelledby="{id}-title {id}-desc" width="100%" height="28"'
        ' xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title><desc id="{id}-desc">{readout}</desc>'
        '<rect class="chart-track" x="0" y="0" width="100%" height="28"></rect>{rects}</svg>'
        '<ul class="chart-legend">{legend}</ul></figure>',
        id=chart_id,
        title=title,
        readout=readout,
        rects=SafeString("".join(rects)),
        legend=SafeString("".join(legend)),
    )

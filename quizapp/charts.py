"""Charts rendered on the server as SVG by pygal, readable without JavaScript."""

from __future__ import annotations

import re
from functools import lru_cache

import pygal
from markupsafe import Markup
from pygal.style import Style

from .services.progress import ScorePoint

INLINE_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
LOOK = dict(
    background="transparent",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#595959",
    colors=("#1f5fa8",),
    font_family="system-ui, sans-serif",
)
STYLE = Style(**LOOK, label_font_size=13, major_label_font_size=13)
NARROW_STYLE = Style(**LOOK, label_font_size=17, major_label_font_size=17, title_font_size=18)


def score_chart(points: list[ScorePoint], label_id: str) -> Markup:
    """The chart for `points`: a wide drawing, and a narrow one with fewer, larger labels that the
    stylesheet shows instead on a phone (a wide drawing shrunk to a phone's width has labels too
    small to read). The same figures give the same SVG, so each is cached."""
    figures = tuple((p.label, round(p.percent, 1)) for p in points)
    wide, narrow = _render(figures, label_id, narrow=False), _render(figures, label_id, narrow=True)
    return Markup(f'<div class="chart-wide">{wide}</div><div class="chart-narrow">{narrow}</div>')


@lru_cache(maxsize=1024)  # a few MB at most; a user's chart changes only when they answer
def _render(points: tuple[tuple[str, float], ...], label_id: str, narrow: bool) -> str:
    """An inline SVG line chart of the score per period, labelled by the element `label_id`.

    pygal's tooltip script is left out (js=[]): the chart is a picture, and a table beside it
    gives the same figures to screen readers.
    """
    labels_shown = 4 if narrow else 8
    chart = pygal.Line(
        js=[],
        style=NARROW_STYLE if narrow else STYLE,
        width=400 if narrow else 720,
        height=320 if narrow else 300,
        range=(0, 100),
        show_legend=False,
        disable_xml_declaration=True,
        x_label_rotation=30 if len(points) > labels_shown else 0,
        show_minor_x_labels=len(points) <= labels_shown + labels_shown // 2,
        x_labels_major_every=max(1, len(points) // labels_shown),
        y_title="Score (%)",
        dots_size=4,
    )
    chart.x_labels = [label for label, _ in points]
    chart.add("Score", [percent for _, percent in points])
    svg = chart.render(is_unicode=True)
    # One picture to assistive technology, named by the caption; its figures are in the table.
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{label_id}" focusable="false" ', 1)
    svg = svg.replace("<title>Pygal</title>", "<title>Score over time</title>", 1)
    svg = INLINE_SCRIPT.sub("", svg)  # pygal's tooltip configuration: nothing without its script
    return svg

"""Decision charts as inline SVG: months in the field × months outside → the answer, one coloured cell each."""

from __future__ import annotations

from html import escape

from .decisions import ChartGrid

CELL = 30  # side of a cell, in pixels
LEFT, TOP, BOTTOM = 46, 26, 40  # room for the axis labels and the title
COLOURS = {  # status -> (fill, text)
    "satisfied": ("#c8e6c9", "#1b5e20"),
    "internship": ("#ffe0b2", "#8a4b00"),
    "missing": ("#ffcdd2", "#8e0000"),
    "conflict": ("#e0e0e0", "#424242"),
}
LEGEND = (
    ("satisfied", "✓", "satisfait : rien de plus n'est exigé"),
    ("internship", "3–6", "stage (durée en mois ; ≤ 6 : 6 mois au plus)"),
    ("missing", "−12", "il manque tant de mois d'expérience"),
    ("conflict", "!", "conflit"),
)


def cell_label(answer: dict) -> str:
    """The few characters written in a cell.

    >>> cell_label({"status": "internship", "internship": {"min_months": None, "max_months": 6}})
    '≤6'
    >>> cell_label({"status": "missing", "missing_months": 12.5})
    '−12,5'
    """
    status = answer["status"]
    if status == "satisfied":
        return "✓"
    if status == "conflict":
        return "!"
    if status == "missing":
        return "−" + _num(answer["missing_months"])
    low, high = answer["internship"]["min_months"], answer["internship"]["max_months"]
    if low is not None and low == high:
        return _num(low)
    if low is not None and high is not None:
        return f"{_num(low)}–{_num(high)}"
    return f"≤{_num(high)}" if high is not None else f"≥{_num(low)}"


def chart_svg(grid: ChartGrid, title: str) -> str:
    """One chart: rows are months in the field (growing upwards), columns months outside the field."""
    n = len(grid.values)
    width, height = LEFT + n * CELL + 8, TOP + n * CELL + BOTTOM
    out = [f'<svg class="cnam-chart" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>",
           f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold" fill="#333">{escape(title)}</text>']
    for row, months_in in enumerate(reversed(grid.values)):
        y = TOP + row * CELL
        out.append(f'<text x="{LEFT - 5}" y="{y + CELL / 2 + 4}" font-size="10" text-anchor="end" '
                   f'fill="#555">{months_in}</text>')
        for col, months_out in enumerate(grid.values):
            answer = grid.cells[(months_in, months_out)]
            fill, ink = COLOURS[answer["status"]]
            x = LEFT + col * CELL
            out.append(f'<g><title>{months_in} mois dans le domaine, {months_out} mois hors domaine : '
                       f'{escape(_status_fr(answer))}</title>'
                       f'<rect x="{x}" y="{y}" width="{CELL - 1}" height="{CELL - 1}" fill="{fill}"/>'
                       f'<text x="{x + CELL / 2}" y="{y + CELL / 2 + 3}" font-size="9" text-anchor="middle" '
                       f'fill="{ink}">{escape(cell_label(answer))}</text></g>')
    base = TOP + n * CELL
    for col, months_out in enumerate(grid.values):
        out.append(f'<text x="{LEFT + col * CELL + CELL / 2}" y="{base + 12}" font-size="10" '
                   f'text-anchor="middle" fill="#555">{months_out}</text>')
    out.append(f'<text x="{LEFT + n * CELL / 2}" y="{base + 30}" font-size="11" text-anchor="middle" '
               f'fill="#333">mois hors domaine →</text>')
    middle = TOP + n * CELL / 2  # the vertical label reads upwards; its arrow, upright, points up beyond it
    out.append(f'<text x="12" y="{middle}" font-size="11" text-anchor="middle" fill="#333" '
               f'transform="rotate(-90 12 {middle})">mois dans le domaine</text>')
    out.append(f'<text x="8" y="{middle - 58}" font-size="11" text-anchor="middle" fill="#333" '
               f'aria-hidden="true">↑</text>')
    out.append("</svg>")
    return "".join(out)


def legend_html() -> str:
    items = "".join(
        f'<span class="cnam-legend-item"><span class="cnam-swatch" style="background:{COLOURS[s][0]};'
        f'color:{COLOURS[s][1]}">{escape(sample)}</span> {escape(text)}</span>'
        for s, sample, text in LEGEND)
    return f'<p class="cnam-legend">{items}</p>'


def _status_fr(answer: dict) -> str:
    label = cell_label(answer)
    if answer["status"] == "internship":
        return f"stage ({label} mois)"
    if answer["status"] == "missing":
        return f"il manque {label.lstrip('−')} mois"
    return {"satisfied": "satisfait", "conflict": "conflit"}[answer["status"]]


def _num(value) -> str:
    value = round(float(value), 2)
    return str(int(value)) if value == int(value) else f"{value:g}".replace(".", ",")

"""One page or nothing: the type size search, and what keeps a layout from fitting its page."""

from __future__ import annotations

from typing import NamedTuple

# Root font size in pt, largest first: 9 pt at full size, never below the 7.5 pt floor.
FONT_STEPS = (9.0, 8.5, 8.0, 7.5)
# A box may end this far (CSS px) below the page area, or a line reach this far past its column,
# before it counts as not fitting: rounding only.
EDGE_TOLERANCE = 0.5
LINE_TOLERANCE = 1.0


class Layout(NamedTuple):
    """One layout of the fact sheet at one type size, and what keeps it from fitting (if anything)."""

    size: float
    laid_out: object  # weasyprint.Document
    spilled: dict[str, list[str]]


def describe(spilled: dict[str, list[str]]) -> str:
    return "; ".join(f"{reason}: {', '.join(names)}" for reason, names in spilled.items())


def largest_fitting(steps, attempt, estimate=None):
    """The largest of `steps` (largest first) at which `attempt` fits: (step, result), or (None, result).

    `attempt(step)` returns (fits, result). The first step is tried first, so content that fits
    at full size costs one attempt. After that the search starts at the smallest step not below
    the size `estimate(result of the first attempt)` proposes (the middle step without one) and
    walks to larger type while it fits, or to smaller type until it fits. The estimate aims a
    little low, so the step just above it is the likeliest answer: starting there, content that
    fits one step below full size costs two attempts in all (starting below it cost three).
    Smaller type is assumed never to need more room. When not even the last step fits, the result
    is that of the last step tried, the smallest.
    """
    results: dict[int, tuple[bool, object]] = {}

    def fits(index: int) -> bool:
        if index not in results:
            results[index] = attempt(steps[index])
        return results[index][0]

    if fits(0) or len(steps) == 1:
        return (steps[0] if results[0][0] else None), results[0][1]
    guess = estimate(results[0][1]) if estimate else steps[len(steps) // 2]
    at_or_above = [i for i, step in enumerate(steps) if i > 0 and step >= guess]
    index = at_or_above[-1] if at_or_above else 1
    if fits(index):
        while index > 1 and fits(index - 1):
            index -= 1
        return steps[index], results[index][1]
    while index < len(steps) - 1:
        index += 1
        if fits(index):
            return steps[index], results[index][1]
    return None, results[index][1]


def estimated_size(layout: Layout) -> float:
    """The type size (pt) at which an overflowing layout should just fit one page.

    Measured on this theme, the height text needs grows with the type size to the power of about
    1.6 (lines get taller and hold fewer words); aim for 97 % of the page to leave room for
    blocks that cannot break.
    """
    return layout.size * (0.97 / max(_pages_needed(layout.laid_out), 0.01)) ** (1 / 1.6)


def _pages_needed(laid_out) -> float:
    """The height the content takes, in pages: the flow on every page plus any footnote area."""
    area = laid_out.pages[0]._page_box.height
    used = 0.0
    for page in laid_out.pages:
        for child in page._page_box.children:
            if isinstance(child, _boxes().FootnoteAreaBox) and child.children:
                used += child.margin_height()
            elif getattr(child, "element_tag", None) == "html":
                used += child.margin_height()
    return used / area


def spilled_blocks(laid_out) -> dict[str, list[str]]:
    """What keeps the layout from being one readable page: {reason: [`data-block` names]}; empty if it is.

    A block spills when any of its boxes lies on a later page or below the page area, or has a
    line wider than its column (an unbreakable value). A declared block that page 1 does not show
    at all spills too: a fixed-height container, say, can swallow it without a second page.
    """
    first = laid_out.pages[0]._page_box
    bottom = first.content_box_y() + first.height + EDGE_TOLERANCE
    problems: dict[str, str] = {}
    shown: set[str] = set()
    for name, box, column in _named_boxes(first):
        shown.add(name)
        if _lowest_point(box) > bottom:
            problems.setdefault(name, "cut off at the foot of the page")
        elif column is not None and _too_wide(box, column):
            problems.setdefault(name, "too wide for its column")
    for page in laid_out.pages[1:]:
        for name, _box, _column in _named_boxes(page._page_box):
            problems.setdefault(name, "spilling onto page 2")
    if len(laid_out.pages) > 1 and not problems:
        # A theme without data-block names still gets exactly one page.
        problems["content without a data-block name"] = "spilling onto page 2"
    for name in _declared_blocks(first):
        if name not in shown:
            problems.setdefault(name, "not on the page")
    by_reason: dict[str, list[str]] = {}
    for name, reason in problems.items():
        by_reason.setdefault(reason, []).append(name)
    return by_reason


def _lowest_point(box) -> float:
    """Where a box's content ends for a reader: a line at its baseline, an image at its border.

    A line box is as tall as its tallest font's ascent and descent, and the Arabic, Thai and
    Indic fonts are tall: a last line whose descent reaches a little into the page margin is
    still read whole. Containers end where their lines and images do, so they are not judged.
    """
    boxes = _boxes()
    if isinstance(box, boxes.LineBox):
        return box.position_y + getattr(box, "baseline", box.height)
    if isinstance(box, boxes.ReplacedBox):
        return box.border_box_y() + box.border_height()
    return float("-inf")


def _named_boxes(box, name=None, column=None):
    """(block name, box, (left, right) of its column) for every box inside a `data-block` element."""
    for child in getattr(box, "children", ()):
        child_name = _block_name(child) or name
        child_column = column
        if not isinstance(child, _boxes().LineBox) and isinstance(child, _boxes().BlockContainerBox):
            # The padding box: a hanging bullet or indent may use the padding, not go past it.
            child_column = (child.padding_box_x(), child.padding_box_x() + child.padding_width())
        if child_name:
            yield child_name, child, column
        yield from _named_boxes(child, child_name, child_column)


def _too_wide(box, column) -> bool:
    """Whether a line's content reaches past its column: a value with no break point, say."""
    if not isinstance(box, _boxes().LineBox):
        return False
    parts = [c for c in box.children if not (getattr(c, "element_tag", "") or "").endswith("::marker")]
    if not parts:
        return False
    left = min(c.position_x for c in parts)
    right = max(c.position_x + c.margin_width() for c in parts)
    return left < column[0] - LINE_TOLERANCE or right > column[1] + LINE_TOLERANCE


def _declared_blocks(page_box) -> list[str]:
    roots = [box.element for box in page_box.children if getattr(box, "element_tag", None) == "html"]
    return [e.get("data-block") for e in roots[0].iter() if e.get("data-block")] if roots else []


def _block_name(box) -> str | None:
    element = getattr(box, "element", None)
    # Only the element's own boxes count: its ::before, ::marker, ::footnote-call boxes share it.
    if element is None or "::" in (getattr(box, "element_tag", None) or ""):
        return None
    return element.get("data-block")


def _boxes():
    from weasyprint.formatting_structure import boxes

    return boxes

"""Body text from the data files as StreamField blocks.

In a data file a body is a list of tables, each with a ``type`` and that type's fields
(the parameters of the builder functions below). Text is plain: it is HTML-escaped here, so
``&``, ``<`` and ``>`` show as typed. A block is a ``(block_type, value)`` pair, the value as
StreamField stores it, except that a ``donation_appeal`` names its :class:`Appeal`; the
loader swaps the name for the snippet's id.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from home.demo import DemoContentError

Block = tuple[str, Any]

HEADING_LEVELS = ("h2", "h3")


def rich(text: str) -> str:
    """Plain text as a one-paragraph rich-text value (escaped)."""
    return f"<p>{escape(text, quote=False)}</p>"


def _list_items(items: Sequence[str]) -> str:
    """List items as escaped ``<li>`` elements."""
    return "".join(f"<li>{escape(item, quote=False)}</li>" for item in items)


def paragraph(text: str) -> Block:
    """A paragraph of plain text."""
    return ("paragraph", rich(text))


def bullets(items: Sequence[str]) -> Block:
    """A bulleted list, as one rich-text paragraph block."""
    return ("paragraph", f"<ul>{_list_items(items)}</ul>")


def numbered(items: Sequence[str]) -> Block:
    """A numbered list, as one rich-text paragraph block."""
    return ("paragraph", f"<ol>{_list_items(items)}</ol>")


def heading(text: str, level: str = "h2") -> Block:
    """A section heading (``h2``) or sub-heading (``h3``)."""
    if level not in HEADING_LEVELS:
        raise ValueError(f"level must be one of {', '.join(HEADING_LEVELS)}, not {level!r}")
    return ("heading", {"text": text, "level": level})


def demands(intro: str, items: Sequence[str]) -> Block:
    """A numbered list of demands (the ``demands`` block)."""
    return ("demands", {"intro": intro, "demands": [rich(item) for item in items]})


def donation_appeal(appeal: str) -> Block:
    """A donation appeal block showing the appeal called ``appeal`` (in ``appeals.toml``)."""
    return ("donation_appeal", {"appeal": appeal})


BUILDERS: dict[str, Callable[..., Block]] = {
    "paragraph": paragraph,
    "bullets": bullets,
    "numbered": numbered,
    "heading": heading,
    "demands": demands,
    "donation_appeal": donation_appeal,
}


def _arguments(build: Callable[..., Block], spec: dict[str, Any], where: str) -> dict[str, Any]:
    """The block table's fields as arguments for ``build``, checked against its parameters."""
    parameters = inspect.signature(build).parameters
    fields = {key: value for key, value in spec.items() if key != "type"}
    required = [name for name, p in parameters.items() if p.default is inspect.Parameter.empty]
    missing = [name for name in required if name not in fields]
    unknown = [name for name in fields if name not in parameters]
    if missing or unknown:
        raise DemoContentError(
            f"{where}: a {spec['type']} block takes {', '.join(parameters)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else "")
        )
    for name, value in fields.items():
        _check_value(name, value, where)
    return fields


def _check_value(name: str, value: Any, where: str) -> None:
    """``items`` must be a list of text, every other field text."""
    if name == "items":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise DemoContentError(f"{where}: items must be a list of text, not {value!r}")
    elif not isinstance(value, str):
        raise DemoContentError(f"{where}: {name} must be text, not {value!r}")


def build_block(spec: Any, where: str) -> Block:
    """One body block from its table in a data file; ``where`` names it in errors."""
    if not isinstance(spec, dict) or spec.get("type") not in BUILDERS:
        found = spec.get("type") if isinstance(spec, dict) else spec
        raise DemoContentError(
            f"{where}: unknown block type {found!r} (expected one of {', '.join(BUILDERS)})"
        )
    build = BUILDERS[spec["type"]]
    try:
        return build(**_arguments(build, spec, where))
    except ValueError as error:
        raise DemoContentError(f"{where}: {error}") from error


def build_blocks(specs: Any, where: str) -> tuple[Block, ...]:
    """A body: the list of block tables, in order."""
    if not isinstance(specs, list):
        raise DemoContentError(f"{where}: expected a list of blocks, not {specs!r}")
    return tuple(build_block(spec, f"{where} block {n}") for n, spec in enumerate(specs, 1))

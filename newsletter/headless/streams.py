"""StreamFields for the headless API: one schema per block type, and values that match it.

:func:`stream_schema` turns a StreamBlock into ``list[item]``, where each item is
``{"type": <block name>, "id": <uuid>, "value": <that block's schema>}`` and the items form a
union discriminated by ``type``. :func:`stream_data` turns a stored value into that shape:
rich text as HTML with internal links resolved, images with renditions and alt text, chosen
pages as links, choices as their stored value.

A block can give its own shape (a card rather than an id, say) by defining
``headless_schema(self) -> type`` and ``headless_value(self, value, request) -> data``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from ninja import Schema
from pydantic import Field, RootModel, create_model
from wagtail import blocks
from wagtail.blocks.field_block import BaseChoiceBlock
from wagtail.rich_text import RichText, expand_db_html

from newsletter.headless.images import absolute_url, image_data
from newsletter.headless.schemas import ImageOut, PageLink

_models: dict[str, type] = {}


class DocumentOut(Schema):
    """A chosen document."""

    id: int
    title: str
    url: str


class SnippetOut(Schema):
    """A chosen snippet, by id and its name."""

    id: int
    title: str


class EmbedOut(Schema):
    """An embedded video or post, by its URL (fetch its oEmbed HTML where you show it)."""

    url: str


# Chooser blocks by class path, not imported: importing wagtail.embeds.blocks (say) loads the
# embeds app's models, which a host without that app must not have.
_CHOOSERS = {
    "wagtail.images.blocks.ImageChooserBlock": "image",
    "wagtail.documents.blocks.DocumentChooserBlock": "document",
    "wagtail.snippets.blocks.SnippetChooserBlock": "snippet",
    "wagtail.embeds.blocks.EmbedBlock": "embed",
}
_CHOOSER_SCHEMAS: dict[str, Any] = {
    "image": ImageOut | None,
    "document": DocumentOut | None,
    "snippet": SnippetOut | None,
    "embed": EmbedOut | None,
}


def _chooser(block: blocks.Block) -> str | None:
    """ "image", "document", "snippet" or "embed" for those blocks (and subclasses), else None."""
    for cls in type(block).__mro__:
        kind = _CHOOSERS.get(f"{cls.__module__}.{cls.__qualname__}")
        if kind:
            return kind
    return None


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _model(name: str, fields: dict[str, Any], doc: str = "") -> type[Schema]:
    """One pydantic model per name: the same block class always gives the same component."""
    if name not in _models:
        model = create_model(name, __base__=Schema, **fields)
        model.__doc__ = doc or None
        _models[name] = model
    return _models[name]


def _component_name(block: blocks.Block, fallback: str) -> str:
    """``AdvocacyHeadingBlock`` for a declared block class, else ``fallback``."""
    cls = type(block)
    if cls.__module__.startswith("wagtail."):
        return fallback
    return _camel(cls.__module__.split(".")[0]) + cls.__name__


_restricted_paths: ContextVar[tuple[str, ...] | None] = ContextVar("restricted", default=None)


def _restricted() -> tuple[str, ...]:
    """Tree paths of the pages with a view restriction (a site has a handful, if any)."""
    from wagtail.models import PageViewRestriction

    paths = _restricted_paths.get()
    if paths is None:
        paths = tuple(PageViewRestriction.objects.values_list("page__path", flat=True))
    return paths


@contextmanager
def restrictions_read_once() -> Iterator[None]:
    """Within it, :func:`is_public` reads the view restrictions once, not once per page."""
    if _restricted_paths.get() is not None:
        yield
        return
    token = _restricted_paths.set(_restricted())
    try:
        yield
    finally:
        _restricted_paths.reset(token)


def is_public(page: Any) -> bool:
    """Whether anyone may read ``page``: live, and no view restriction on it or above it."""
    if page is None or not page.live:
        return False
    return not any(page.path.startswith(path) for path in _restricted())


def page_link(page: Any, request: Any = None) -> dict | None:
    """A public page as :class:`PageLink` data (None for none, a page not published, or one
    behind a password, a login or a group)."""
    if not is_public(page):
        return None
    specific_class = page.specific_class or type(page)
    return {
        "id": page.pk,
        "title": page.title,
        "type": specific_class._meta.label,
        "url": page.get_full_url(request) or "",
    }


def rich_text_html(value: Any) -> str:
    """Rich text as display HTML: internal page and document links resolved."""
    if isinstance(value, RichText):
        return str(value)
    return expand_db_html(value or "")


def _choices(block: BaseChoiceBlock) -> list[str]:
    values: list[str] = []
    for key, label in block.field.choices:
        if isinstance(label, (list, tuple)):  # an optgroup
            values.extend(str(k) for k, _label in label)
        elif key != "":
            values.append(str(key))
    return values


_SCALARS: list[tuple[type, Any]] = [
    (blocks.RichTextBlock, str),
    (blocks.BooleanBlock, bool),
    (blocks.IntegerBlock, int),
    (blocks.FloatBlock, float),
    (blocks.DecimalBlock, float),
    (blocks.DateTimeBlock, datetime.datetime),
    (blocks.DateBlock, datetime.date),
    (blocks.TimeBlock, datetime.time),
    (blocks.RawHTMLBlock, str),
    (blocks.CharBlock, str),
    (blocks.TextBlock, str),
    (blocks.URLBlock, str),
    (blocks.EmailBlock, str),
    (blocks.RegexBlock, str),
]


def block_schema(block: blocks.Block, name: str) -> Any:
    """The type of ``block``'s value in the API; ``name`` names anonymous structs."""
    own = getattr(block, "headless_schema", None)
    if callable(own):
        return own()
    if isinstance(block, blocks.StreamBlock):
        return stream_schema(block, _component_name(block, name))
    if isinstance(block, blocks.StructBlock):
        return _struct_schema(block, _component_name(block, name))
    if isinstance(block, blocks.ListBlock):
        return list[block_schema(block.child_block, name + "Item")]  # type: ignore[misc]
    if isinstance(block, blocks.StaticBlock):
        return None
    annotation = _field_schema(block)
    if annotation in (str, Any) or isinstance(block, blocks.MultipleChoiceBlock):
        return annotation
    # Nullable even when required: a block added to a struct after content was written holds
    # None, and a choice no longer offered reads as None, rather than failing the whole page.
    return annotation | None


def _field_schema(block: blocks.Block) -> Any:
    kind = _chooser(block)
    if kind:
        return _CHOOSER_SCHEMAS[kind]
    if isinstance(block, blocks.PageChooserBlock):
        return PageLink | None
    if isinstance(block, blocks.MultipleChoiceBlock):
        return list[Literal[tuple(_choices(block))]]  # type: ignore[misc]
    if isinstance(block, BaseChoiceBlock):
        choices = _choices(block)
        return Literal[tuple(choices)] if choices else str  # type: ignore[misc]
    for block_class, annotation in _SCALARS:
        if isinstance(block, block_class):
            return annotation
    return Any


def _struct_schema(block: blocks.StructBlock, name: str) -> type[Schema]:
    fields = {
        child_name: (block_schema(child, name + _camel(child_name)), ...)
        for child_name, child in block.child_blocks.items()
    }
    return _model(name, fields, str(getattr(block.meta, "label", "") or ""))


def stream_schema(stream_block: blocks.StreamBlock, name: str) -> Any:
    """``list[item]`` for a StreamBlock: a union of one item schema per child block."""
    items = []
    for child_name, child in stream_block.child_blocks.items():
        value_schema = block_schema(child, name + _camel(child_name))
        items.append(
            _model(
                f"{name}{_camel(child_name)}Item",
                {
                    "type": (Literal[child_name], ...),
                    "id": (str | None, None),
                    "value": (value_schema, ...),
                },
            )
        )
    if not items:
        return list[dict[str, str]]
    if len(items) == 1:
        return list[items[0]]  # type: ignore[valid-type]
    # A root model, not a bare Annotated union: Wagtail reads the field's type through
    # typing.get_type_hints(), which drops Annotated's discriminator.
    union = Annotated[Union[tuple(items)], Field(discriminator="type")]  # noqa: UP007
    if f"{name}Block" not in _models:
        _models[f"{name}Block"] = type(
            f"{name}Block",
            (RootModel[union],),  # type: ignore[valid-type]
            {"__doc__": "One block of the stream; its `type` says which."},
        )
    return list[_models[f"{name}Block"]]  # type: ignore[valid-type]


def block_data(block: blocks.Block, value: Any, request: Any = None) -> Any:
    """``value`` of ``block`` as data matching :func:`block_schema`."""
    own = getattr(block, "headless_value", None)
    if callable(own):
        return own(value, request)
    if isinstance(block, blocks.StreamBlock):
        return stream_data(value, request)
    if isinstance(block, blocks.StructBlock):
        value = value or {}
        return {
            name: block_data(child, value.get(name), request)
            for name, child in block.child_blocks.items()
        }
    if isinstance(block, blocks.ListBlock):
        return [block_data(block.child_block, item, request) for item in value or []]
    if isinstance(block, blocks.StaticBlock):
        return None
    return _field_data(block, value, request)


def _field_data(block: blocks.Block, value: Any, request: Any) -> Any:
    kind = _chooser(block)
    if kind and value is None:
        return None
    if kind == "image":
        return image_data(value, request)
    if kind == "document":
        return {"id": value.pk, "title": value.title, "url": absolute_url(value.url, request)}
    if kind == "snippet":
        return {"id": value.pk, "title": str(value)}
    if kind == "embed":
        return {"url": value.url}
    if isinstance(block, blocks.PageChooserBlock):
        return page_link(value, request)
    if isinstance(block, blocks.RichTextBlock):
        return rich_text_html(value)
    if isinstance(block, blocks.MultipleChoiceBlock):
        return [str(v) for v in value or [] if str(v) in _choices(block)]
    if isinstance(block, BaseChoiceBlock):
        return str(value) if str(value) in _choices(block) else None
    if isinstance(value, Decimal):
        return float(value)
    if value is None and _field_schema(block) is str:
        return ""
    return value


def stream_data(stream: Any, request: Any = None) -> list[dict]:
    """A StreamValue as a list of ``{"type", "id", "value"}`` matching :func:`stream_schema`."""
    with restrictions_read_once():
        return [
            {
                "type": child.block_type,
                "id": child.id,
                "value": block_data(child.block, child.value, request),
            }
            for child in stream or []
        ]

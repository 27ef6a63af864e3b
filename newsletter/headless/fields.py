"""``api_fields`` serializers that Wagtail's API v3 can type.

Wagtail's v3 schema generator types an ``APIField(serializer=...)`` from the return annotation
of the serializer's ``to_representation``, and anything else it cannot introspect (a
property, a StreamField) as ``Any``. These fields carry real annotations, so every project
field has a schema in ``/api/v3/openapi.json``; for API v2 they give what v2 gave before.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any, Literal

from django.db.models import Choices
from django.utils import translation
from rest_framework.fields import Field

from newsletter.headless.images import image_data
from newsletter.headless.schemas import ImageOut, PageLink
from newsletter.headless.streams import page_link, rich_text_html, stream_data, stream_schema


class ReadOnlyField(Field):
    """A read-only serializer field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(*args, **kwargs)

    @property
    def for_v2(self) -> bool:
        """Whether API v2 is serializing (v2 binds fields to its page serializer; v3 to None)."""
        return self.parent is not None

    def v2_request(self) -> Any:
        return self.context.get("request") if self.parent is not None else None


_typed_classes: dict[Any, type[ReadOnlyField]] = {}


def typed(annotation: Any, **kwargs: Any) -> ReadOnlyField:
    """A read-only field passing its value through, typed ``annotation`` for API v3.

    For properties (``APIField("signatory_count", serializer=typed(int))``) and for choice
    fields as an enum (``typed(Literal["win", "pending"])``).
    """
    cls = _typed_classes.get(annotation)
    if cls is None:

        def to_representation(self, value):
            return value

        to_representation.__annotations__ = {"return": annotation}
        cls = type("TypedField", (ReadOnlyField,), {"to_representation": to_representation})
        _typed_classes[annotation] = cls
    return cls(**kwargs)


def choice_type(choices: type[Choices]) -> Any:
    """``Literal[...]`` of a choices class's stored values: an enum in the OpenAPI schema."""
    return Literal[tuple(choices.values)]  # type: ignore[valid-type]


class RichTextHTMLField(ReadOnlyField):
    """A RichTextField as display HTML, internal links resolved (API v3), as rich text in
    StreamFields comes; API v2 keeps its ``WAGTAILAPI_RICH_TEXT_FORMAT`` (database HTML)."""

    def to_representation(self, value) -> str:
        if self.for_v2:
            from wagtail.api.rich_text import APIRichText

            request = self.v2_request()
            asked = request.GET.get("rich_text_format") if request is not None else None
            return APIRichText.serialize(value or "", format=APIRichText.resolve_format(asked))
        return rich_text_html(value or "")


class PageLinkField(ReadOnlyField):
    """A page foreign key as a link (id, title, type, absolute URL); null unless live."""

    def to_representation(self, page) -> PageLink | None:
        return page_link(page, self.v2_request())


class ImageField(ReadOnlyField):
    """An image foreign key with absolute URLs, width, height, alt text and renditions.

    API v2 keeps its ``{"id", "meta": {...}}`` and gains the same keys.
    """

    def to_representation(self, image) -> ImageOut | None:
        data = image_data(image, self.v2_request())
        if self.for_v2 and data is not None:
            from wagtail.api.v2.utils import get_object_detail_url  # needs the models loaded

            data["meta"] = {
                "type": image._meta.label,
                "detail_url": get_object_detail_url(
                    self.context["router"], self.v2_request(), type(image), image.pk
                ),
                "download_url": image.file.url,
            }
        return data


class _TypedCall:
    """A callable whose return annotation is worked out when first asked for.

    Wagtail's API v3 reads ``to_representation``'s annotations once, when it builds its
    schemas (after every app is loaded); an issue's blocks are only known then.
    """

    def __init__(self, call: Callable[[Any], Any], annotation: Callable[[], Any]) -> None:
        self._call = call
        self._annotation = annotation

    def __call__(self, value: Any) -> Any:
        return self._call(value)

    @property
    def __annotations__(self) -> dict[str, Any]:  # type: ignore[override]
        try:
            return {"return": self._annotation()}
        except AttributeError as error:  # getattr() would read it as "no annotations"
            raise RuntimeError(f"cannot type this field: {error}") from error


class StreamField(ReadOnlyField):
    """A StreamField with one schema per block type (see :mod:`newsletter.headless.streams`).

    ``block`` is the field's StreamBlock, or a callable making it (for blocks only known once
    every app is loaded). API v2 keeps Wagtail's own representation of the field.
    """

    def __init__(self, block: Any, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.block = block
        self.name = name
        self.to_representation = _TypedCall(self._represent, self._schema)

    def _schema(self) -> Any:
        block = self.block() if callable(self.block) else self.block
        return stream_schema(block, self.name)

    def get_attribute(self, instance: Any) -> tuple[Any, str | None]:
        """The stream, with the page's language: its blocks (an appeal, the wins' labels)
        are worked out in that language, whatever the request's."""
        locale = getattr(instance, "locale", None)
        return super().get_attribute(instance), getattr(locale, "language_code", None)

    def _represent(self, value_and_language: tuple[Any, str | None]) -> Any:
        value, language = value_and_language
        if self.for_v2:
            return value.stream_block.get_api_representation(value, self.context)
        with translation.override(language) if language else nullcontext():
            return stream_data(value)


def stream_field(block: Any, name: str) -> StreamField:
    """A StreamField serializer typed ``list[<one item schema per block>]`` for API v3;
    ``name`` prefixes its schema components, e.g. ``"Body"``."""
    return StreamField(block, name)

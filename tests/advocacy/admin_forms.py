"""Helpers to post Wagtail admin page forms the way the browser does."""

from __future__ import annotations

from django.urls import reverse
from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.test.utils.form_data import nested_form_data, querydict_from_html, streamfield


def block_form_value(block, value):
    """A block value as the admin's JavaScript would post it (before flattening)."""
    if isinstance(block, blocks.RichTextBlock):
        return block.get_form_state(value)
    if isinstance(block, blocks.StructBlock):
        children = block.child_blocks.items()
        return {name: block_form_value(child, value.get(name)) for name, child in children}
    if isinstance(block, blocks.ListBlock):
        items = {
            str(index): {
                "value": block_form_value(block.child_block, item),
                "deleted": "",
                "order": str(index),
                "id": "",
            }
            for index, item in enumerate(value or [])
        }
        return {**items, "count": str(len(items))}
    if isinstance(block, blocks.StreamBlock):
        return streamfield(
            [(c.block_type, block_form_value(c.block, c.value)) for c in value or []]
        )
    if isinstance(block, blocks.ChooserBlock):
        return "" if value is None else value.pk
    if isinstance(block, blocks.StaticBlock):
        return ""
    if isinstance(block, blocks.MultipleChoiceBlock):
        return tuple(value or ())  # several values under one key; none when empty
    prepared = block.get_prep_value(value)
    return "" if prepared is None else prepared


def stream_form_data(page) -> dict:
    """The form data of the page's StreamFields (the admin builds these with JavaScript)."""
    data = {}
    for field in page._meta.get_fields():
        if isinstance(field, StreamField):
            value = block_form_value(field.stream_block, getattr(page, field.name))
            data.update(nested_form_data({field.name: value}))
    return data


def edit_form_data(client, page):
    """The page's edit form as the browser would submit it unchanged (a mutable QueryDict)."""
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    data = querydict_from_html(client.get(url).content.decode(), form_id="page-edit-form")
    for key, value in stream_form_data(page).items():
        data.setlist(key, list(value) if isinstance(value, tuple) else [value])
    return data

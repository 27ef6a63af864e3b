"""Helpers to post Wagtail admin page forms the way the browser does."""

from __future__ import annotations

from django.urls import reverse
from wagtail.fields import StreamField
from wagtail.test.utils.form_data import nested_form_data, querydict_from_html, streamfield


def stream_form_data(page) -> dict:
    """The form data of the page's StreamFields (the admin builds these with JavaScript)."""
    data = {}
    for field in page._meta.get_fields():
        if isinstance(field, StreamField):
            stream = getattr(page, field.name)
            items = [(c.block_type, c.block.get_form_state(c.value)) for c in stream]
            data.update(nested_form_data({field.name: streamfield(items)}))
    return data


def edit_form_data(client, page):
    """The page's edit form as the browser would submit it unchanged (a mutable QueryDict)."""
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    data = querydict_from_html(client.get(url).content.decode(), form_id="page-edit-form")
    data.update(stream_form_data(page))
    return data

"""Template tags: ``{% subscribe_form "supporters" %}`` puts a subscribe form anywhere
(e.g. the site footer in base.html)."""

from __future__ import annotations

from django import template

from newsletter.audience.forms import SubscribeForm, public_list

register = template.Library()


@register.inclusion_tag("newsletter/includes/subscribe_form.html", takes_context=True)
def subscribe_form(context, list_slug: str, button_label: str = "Subscribe") -> dict:
    """The subscribe form for a public list; renders nothing useful if the list is not public."""
    mailing_list = public_list(list_slug)
    return {
        "form": SubscribeForm(mailing_list=mailing_list) if mailing_list else None,
        "button_label": button_label,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }

"""StreamField block: a subscribe form for any page (add it to a page type's StreamField)."""

from __future__ import annotations

from wagtail import blocks

from newsletter.audience.forms import SubscribeForm, public_list
from newsletter.models.audience import MailingList


def public_list_choices() -> list[tuple[str, str]]:
    return [(ml.slug, ml.name) for ml in MailingList.objects.filter(is_public=True)]


class SubscribeFormBlock(blocks.StructBlock):
    """A heading, a line of text and the subscribe form for one public list."""

    heading = blocks.CharBlock(max_length=120, default="Get our newsletter")
    text = blocks.TextBlock(required=False)
    list_slug = blocks.ChoiceBlock(
        choices=public_list_choices, label="Mailing list", help_text="A public mailing list."
    )
    button_label = blocks.CharBlock(max_length=40, default="Subscribe")

    class Meta:
        icon = "mail"
        label = "Subscribe form"
        template = "newsletter/blocks/subscribe_form.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        mailing_list = public_list(value.get("list_slug") or "")
        context["form"] = SubscribeForm(mailing_list=mailing_list) if mailing_list else None
        return context

    def get_api_representation(self, value, context=None):
        data = super().get_api_representation(value, context)
        data["endpoint"] = "/api/newsletter/subscribe/"
        return data

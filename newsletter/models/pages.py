"""The standalone subscribe page editors can put anywhere in the page tree."""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page

from newsletter.audience.forms import SubscribeForm
from newsletter.headless.fields import RichTextHTMLField, typed
from newsletter.public import base_template


class SubscribePage(Page):
    """An introduction and the subscribe form for one public mailing list."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link", "ul"])
    mailing_list = models.ForeignKey(
        "newsletter.MailingList",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"is_public": True},
        help_text=_("The public list people join with this page's form."),
    )
    button_label = models.CharField(max_length=40, default="Subscribe")

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("mailing_list"),
        FieldPanel("button_label"),
    ]
    api_fields = [
        APIField("intro", serializer=RichTextHTMLField()),
        APIField("list_slug", serializer=typed(str)),
        APIField("button_label"),
    ]
    template = "newsletter/subscribe_page.html"

    class Meta:
        verbose_name = _("subscribe page")
        verbose_name_plural = _("subscribe pages")

    @property
    def list_slug(self) -> str:
        return self.mailing_list.slug if self.mailing_list else ""

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["base_template"] = base_template()
        if self.mailing_list and self.mailing_list.is_public:
            context["form"] = SubscribeForm(mailing_list=self.mailing_list)
        return context

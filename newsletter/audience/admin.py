"""The audience in the admin (wagtail-modeladmin): subscribers, lists, segments and
suppressions.

Only the "Audience managers" group (and superusers) hold the permissions these need; page
editors see none of it. Registered in ``newsletter/wagtail_hooks.py``.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup

from newsletter.admin_access import Forbidden403Mixin
from newsletter.audience.admin_filters import SUBSCRIBER_FILTERS
from newsletter.audience.admin_views import SubscriberCreateView, SubscriberInspectView
from newsletter.audience.segments import segment_count
from newsletter.audience.subscriptions import audience
from newsletter.models import MailingList, Segment, Subscriber, Suppression


class SubscriberAdmin(Forbidden403Mixin, ModelAdmin):
    model = Subscriber
    menu_label = _("Subscribers")
    menu_icon = "user"
    list_display = ("email", "name", "language", "province", "tag_list", "created_at")
    list_filter = SUBSCRIBER_FILTERS
    search_fields = ("email", "name")
    list_per_page = 50
    ordering = ("-created_at",)
    inspect_view_enabled = True
    inspect_view_class = SubscriberInspectView
    inspect_view_fields = ("email", "name", "language", "province", "tags", "created_at")
    create_view_class = SubscriberCreateView
    index_template_name = "modeladmin/newsletter/subscriber/index.html"
    inspect_template_name = "modeladmin/newsletter/subscriber/inspect.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subscriber]:
        return super().get_queryset(request).prefetch_related("tags")

    def tag_list(self, obj: Subscriber) -> str:
        """The subscriber's tags, by name (prefetched with the page)."""
        return ", ".join(sorted(tag.name for tag in obj.tags.all()))

    tag_list.short_description = _("tags")


class MailingListAdmin(Forbidden403Mixin, ModelAdmin):
    model = MailingList
    menu_label = _("Lists")
    menu_icon = "list-ul"
    list_display = ("name", "slug", "is_public", "audience")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def audience(self, obj: MailingList) -> int:
        """After suppression, without readers flagged by the sunset policy: what a send to
        the list would reach now by default."""
        return audience(obj).filter(sunset_at__isnull=True).count()

    audience.short_description = _("Would receive a send now")


class SegmentAdmin(Forbidden403Mixin, ModelAdmin):
    """Saved segments: a list plus filters; a send can go to them as to lists."""

    model = Segment
    menu_label = _("Segments")
    menu_icon = "sliders"
    list_display = ("name", "mailing_list", "filters", "reach")
    list_filter = ("mailing_list",)
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Segment]:
        return super().get_queryset(request).select_related("mailing_list")

    def filters(self, obj: Segment) -> str:
        """The filters set on the segment, in a few words."""
        parts = [
            str(obj._meta.get_field(name).verbose_name) + ": " + str(value)
            for name, value in (
                ("language", obj.get_language_display() if obj.language else ""),
                ("province", obj.province),
                ("source", obj.get_source_display() if obj.source else ""),
                ("consent_type", obj.get_consent_type_display() if obj.consent_type else ""),
                ("engaged_in_last_sends", obj.engaged_in_last_sends or ""),
                ("signed_up_after", obj.signed_up_after or ""),
                ("signed_up_before", obj.signed_up_before or ""),
                ("tags", ", ".join(tag.name for tag in obj.tags.all())),
            )
            if value
        ]
        return "; ".join(parts) or str(_("none: the whole list"))

    filters.short_description = _("filters")

    def reach(self, obj: Segment) -> int:
        """After suppression, without readers flagged by the sunset policy."""
        return segment_count(obj)

    reach.short_description = _("Would receive a send now")


class SuppressionAdmin(Forbidden403Mixin, ModelAdmin):
    model = Suppression
    menu_label = _("Suppressions")
    menu_icon = "cross"
    list_display = ("email", "reason", "created_at")
    list_filter = ("reason",)
    search_fields = ("email",)


class AudienceGroup(ModelAdminGroup):
    menu_label = _("Audience")
    menu_icon = "group"
    menu_order = 300
    items = (SubscriberAdmin, MailingListAdmin, SegmentAdmin, SuppressionAdmin)

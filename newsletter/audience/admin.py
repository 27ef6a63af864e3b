"""The audience in the admin (wagtail-modeladmin): subscribers, lists and suppressions.

Only the "Audience managers" group (and superusers) hold the permissions these need; page
editors see none of it. Registered in ``newsletter/wagtail_hooks.py``.
"""

from __future__ import annotations

from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup

from newsletter.admin_access import Forbidden403Mixin
from newsletter.audience.admin_filters import SUBSCRIBER_FILTERS
from newsletter.audience.admin_views import SubscriberCreateView, SubscriberInspectView
from newsletter.audience.subscriptions import audience_count
from newsletter.models import MailingList, Subscriber, Suppression


class SubscriberAdmin(Forbidden403Mixin, ModelAdmin):
    model = Subscriber
    menu_label = "Subscribers"
    menu_icon = "user"
    list_display = ("email", "name", "language", "created_at")
    list_filter = SUBSCRIBER_FILTERS
    search_fields = ("email", "name")
    list_per_page = 50
    ordering = ("-created_at",)
    inspect_view_enabled = True
    inspect_view_class = SubscriberInspectView
    inspect_view_fields = ("email", "name", "language", "created_at")
    create_view_class = SubscriberCreateView
    index_template_name = "modeladmin/newsletter/subscriber/index.html"
    inspect_template_name = "modeladmin/newsletter/subscriber/inspect.html"


class MailingListAdmin(Forbidden403Mixin, ModelAdmin):
    model = MailingList
    menu_label = "Lists"
    menu_icon = "list-ul"
    list_display = ("name", "slug", "is_public", "audience")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def audience(self, obj: MailingList) -> int:
        return audience_count(obj)

    audience.short_description = "Would receive a send now"


class SuppressionAdmin(Forbidden403Mixin, ModelAdmin):
    model = Suppression
    menu_label = "Suppressions"
    menu_icon = "cross"
    list_display = ("email", "reason", "created_at")
    list_filter = ("reason",)
    search_fields = ("email",)


class AudienceGroup(ModelAdminGroup):
    menu_label = "Audience"
    menu_icon = "group"
    menu_order = 300
    items = (SubscriberAdmin, MailingListAdmin, SuppressionAdmin)

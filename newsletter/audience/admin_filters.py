"""Subscriber list filters: status, list, consent type and source of their subscriptions,
and tag.

The filters combine: "active" + "Supporters" finds subscribers with one subscription that is
both active and on Supporters (not one active somewhere and another on Supporters).
"""

from __future__ import annotations

from django.contrib.admin import SimpleListFilter
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from newsletter.models import MailingList, Subscription, TaggedSubscriber

LOOKUPS = {
    "status": "status",
    "list": "mailing_list__slug",
    "consent": "consent_type",
    "source": "source",
}


class _SubscriptionFilter(SimpleListFilter):
    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        conditions = {
            lookup: request.GET[param].replace("\x00", "")
            for param, lookup in LOOKUPS.items()
            if request.GET.get(param)
        }
        matching = Subscription.objects.filter(**conditions).values("subscriber_id")
        return queryset.filter(pk__in=matching)


class StatusFilter(_SubscriptionFilter):
    title = _("subscription status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Subscription.Status.choices


class ListFilter(_SubscriptionFilter):
    title = _("list")
    parameter_name = "list"

    def lookups(self, request, model_admin):
        return list(MailingList.objects.values_list("slug", "name"))


class ConsentFilter(_SubscriptionFilter):
    title = _("consent type")
    parameter_name = "consent"

    def lookups(self, request, model_admin):
        return Subscription.ConsentType.choices


class SourceFilter(_SubscriptionFilter):
    title = "source"
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return Subscription.Source.choices


class TagFilter(SimpleListFilter):
    """Subscribers with a tag (the tags some subscriber has, by name)."""

    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        used = TaggedSubscriber.objects.values("tag_id")
        return list(Tag.objects.filter(pk__in=used).order_by("name").values_list("slug", "name"))

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        tagged = TaggedSubscriber.objects.filter(tag__slug=self.value().replace("\x00", ""))
        return queryset.filter(pk__in=tagged.values("content_object_id"))


SUBSCRIBER_FILTERS = (StatusFilter, ListFilter, ConsentFilter, SourceFilter, TagFilter)

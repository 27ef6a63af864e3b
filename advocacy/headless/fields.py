"""``api_fields`` serializers for the advocacy pages, typed for Wagtail's API v3.

API v2 gets the same values as before (see :mod:`newsletter.headless.fields`).
"""

from __future__ import annotations

from django.urls import reverse

from advocacy.headless.schemas import Demand, Organisation, SignatoryPreview
from newsletter.headless.fields import ReadOnlyField
from newsletter.headless.images import absolute_url

#: How many signatories a letter shows in API v3 (the rest: its signatories endpoint).
PREVIEW_COUNT = 10


def organisation_data(organisation) -> dict:
    """An organisation as :class:`~advocacy.headless.schemas.Organisation` data."""
    return {
        "name": organisation.name,
        "city": organisation.city,
        "province": organisation.province,
        "website": organisation.website,
    }


class OrganisationListField(ReadOnlyField):
    """An ordered relation of organisations (signatories or partners) as a list."""

    def get_attribute(self, instance):
        return getattr(instance, self.source).select_related("organisation").all()

    def to_representation(self, links) -> list[Organisation]:
        return [organisation_data(link.organisation) for link in links]


class OrganisationField(ReadOnlyField):
    """One organisation (e.g. a letter's lead signatory), or null."""

    def to_representation(self, organisation) -> Organisation | None:
        return organisation_data(organisation)


class DemandListField(ReadOnlyField):
    """A demands StreamField as a numbered list: ``[{"number": 1, "text": "<p>…</p>"}]``."""

    def to_representation(self, stream) -> list[Demand]:
        return [
            {"number": number, "text": str(child.value)}
            for number, child in enumerate(stream, start=1)
        ]


class SignatoriesField(OrganisationListField):
    """A letter's signatories: every one in API v2; in API v3 the count, the first few and
    the address of the paginated list (a letter can have hundreds)."""

    def get_attribute(self, instance):
        if self.for_v2:
            return super().get_attribute(instance)
        return instance

    def to_representation(self, letter) -> SignatoryPreview:
        if self.for_v2:
            return super().to_representation(letter)
        first = letter.signatories.select_related("organisation").order_by("sort_order", "pk")
        return {
            "count": letter.signatory_count,
            "first": [organisation_data(link.organisation) for link in first[:PREVIEW_COUNT]],
            "url": absolute_url(
                reverse("wagtailapi_v3:advocacy_letter_signatories", args=[letter.pk])
            ),
        }

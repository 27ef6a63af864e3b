"""Serializer fields for the headless API (Wagtail API v2, Django REST framework)."""

from __future__ import annotations

from rest_framework.fields import Field


def organisation_data(organisation) -> dict:
    """An organisation as JSON."""
    return {
        "name": organisation.name,
        "city": organisation.city,
        "province": organisation.province,
        "website": organisation.website,
    }


class ReadOnlyField(Field):
    def __init__(self, *args, **kwargs):
        kwargs["read_only"] = True
        super().__init__(*args, **kwargs)


class OrganisationListField(ReadOnlyField):
    """An ordered relation of organisations (signatories or partners) as a list."""

    def get_attribute(self, instance):
        return getattr(instance, self.source).select_related("organisation").all()

    def to_representation(self, links):
        return [organisation_data(link.organisation) for link in links]


class OrganisationField(ReadOnlyField):
    """One organisation (e.g. a letter's lead signatory), or null."""

    def to_representation(self, organisation):
        return organisation_data(organisation)


class DemandListField(ReadOnlyField):
    """A demands StreamField as a numbered list: ``[{"number": 1, "text": "<p>…</p>"}]``."""

    def to_representation(self, stream):
        return [
            {"number": number, "text": str(child.value)}
            for number, child in enumerate(stream, start=1)
        ]

"""Organisations: the signatories of open letters and partners of statements."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from newsletter.languages import active_language_is
from newsletter.validators import validate_http_url

# English names (plain strings: other modules join them); shown translated through
# PROVINCE_CHOICES or gettext(name).
PROVINCES = [
    ("AB", gettext_noop("Alberta")),
    ("BC", gettext_noop("British Columbia")),
    ("MB", gettext_noop("Manitoba")),
    ("NB", gettext_noop("New Brunswick")),
    ("NL", gettext_noop("Newfoundland and Labrador")),
    ("NS", gettext_noop("Nova Scotia")),
    ("NT", gettext_noop("Northwest Territories")),
    ("NU", gettext_noop("Nunavut")),
    ("ON", gettext_noop("Ontario")),
    ("PE", gettext_noop("Prince Edward Island")),
    ("QC", gettext_noop("Quebec")),
    ("SK", gettext_noop("Saskatchewan")),
    ("YT", gettext_noop("Yukon")),
]
PROVINCE_CHOICES = [(code, _(name)) for code, name in PROVINCES]  # in the active language

_SPACES = re.compile(r"\s+")


def clean_organisation_name(name: str) -> str:
    """Collapse runs of whitespace and trim: the name as it is stored and shown."""
    return _SPACES.sub(" ", name).strip()


def organisation_key(name: str) -> str:
    """A name's identity, ignoring case and spacing: 'Al  Rashid mosque' == 'al rashid Mosque'."""
    return clean_organisation_name(name).casefold()


class Organisation(index.Indexed, models.Model):
    """A civil-society organisation; unique by name, ignoring case and spacing."""

    name = models.CharField(max_length=255)
    name_key = models.CharField(max_length=255, unique=True, editable=False)
    name_fr = models.CharField(
        _("name in French"),
        max_length=255,
        blank=True,
        help_text=_("Only where it differs, e.g. “Mosquée Al-Salam” for “Al-Salam Mosque”."),
    )
    city = models.CharField(max_length=120, blank=True)
    province = models.CharField(max_length=2, choices=PROVINCE_CHOICES, blank=True)
    website = models.URLField(blank=True, validators=[validate_http_url])

    panels = [
        FieldPanel("name"),
        FieldPanel("name_fr"),
        FieldPanel("city"),
        FieldPanel("province"),
        FieldPanel("website"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("city"),
        index.FilterField("province"),
    ]

    class Meta:
        ordering = ["name_key"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = clean_organisation_name(self.name)
        self.name_key = organisation_key(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.name = clean_organisation_name(self.name)
        if not self.name:
            raise ValidationError({"name": gettext("Enter the organisation's name.")})
        key = organisation_key(self.name)
        clash = Organisation.objects.filter(name_key=key).exclude(pk=self.pk).first()
        if clash:
            raise ValidationError(
                {
                    "name": gettext("“%(name)s” already exists (names ignore case and spacing).")
                    % {"name": clash.name}
                }
            )

    @property
    def place(self) -> str:
        """'City, Province' as far as known."""
        return ", ".join(part for part in (self.city, self.province) if part)

    @property
    def display_name(self) -> str:
        """The name in the active language: the French name on French pages, where set."""
        if self.name_fr and active_language_is("fr"):
            return self.name_fr
        return self.name

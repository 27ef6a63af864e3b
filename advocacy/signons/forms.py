"""The public sign-on form shown on an open letter, and the moderators' reject and merge forms."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advocacy.models import OpenLetterPage, Organisation
from advocacy.models.organisations import PROVINCE_CHOICES, clean_organisation_name
from newsletter.audience.consent import current_consent
from newsletter.audience.forms import ConsentVersionMixin, clean_email, clean_text
from newsletter.models import ConsentText
from newsletter.validators import validate_http_url

HONEYPOT_FIELD = "fax"
MAX_REASON_LENGTH = 2000


def _text(label: str, max_length: int, missing: str, **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        error_messages={"required": missing},
        widget=forms.TextInput(attrs=attrs),
    )


class SignOnForm(ConsentVersionMixin, forms.Form):
    """An organisation asks to sign: who it is, who speaks for it, and their consent."""

    organisation_name = _text(
        gettext_lazy("Organisation name"),
        255,
        gettext_lazy("Enter the organisation's name."),
        autocomplete="organization",
    )
    city = _text(
        gettext_lazy("City"),
        120,
        gettext_lazy("Enter the organisation's city."),
        autocomplete="address-level2",
    )
    province = forms.ChoiceField(
        label=gettext_lazy("Province or territory"),
        choices=[("", "—"), *PROVINCE_CHOICES],
        error_messages={
            "required": gettext_lazy("Choose the province or territory."),
            "invalid_choice": gettext_lazy("Choose the province or territory."),
        },
    )
    website = forms.URLField(
        label=gettext_lazy("Website (optional)"),
        required=False,
        error_messages={
            "invalid": gettext_lazy("Enter the website's address, like https://example.org.")
        },
        max_length=200,
        assume_scheme="https",
        validators=[validate_http_url],
    )
    contact_name = _text(
        gettext_lazy("Your name"), 200, gettext_lazy("Enter your name."), autocomplete="name"
    )
    contact_email = _text(
        gettext_lazy("Your email address"),
        254,
        gettext_lazy("Enter your email address."),
        autocomplete="email",
    )
    contact_role = _text(
        gettext_lazy("Your role in the organisation"),
        200,
        gettext_lazy("Enter your role, e.g. president or executive director."),
        autocomplete="organization-title",
    )
    authorised = forms.BooleanField(
        label=gettext_lazy("I am authorised to sign this letter on behalf of the organisation."),
        error_messages={
            "required": gettext_lazy("Tick the box to confirm you may sign for the organisation.")
        },
    )
    newsletter = forms.BooleanField(required=False)
    consent_version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=16)
    fax = forms.CharField(
        label=gettext_lazy("Leave this field empty"), required=False, max_length=200
    )

    def __init__(self, *args, letter: OpenLetterPage, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"sign-on-{uuid.uuid4().hex[:6]}-%s")
        super().__init__(*args, **kwargs)
        self.letter = letter
        self.mailing_list = letter.sign_on_mailing_list
        self.consent_wording: ConsentText | None = None
        if self.mailing_list is None:
            del self.fields["newsletter"]
            del self.fields["consent_version"]
            return
        self.consent_wording = current_consent(letter.locale.language_code)
        self.fields["newsletter"].label = self.consent_wording.text
        if not self.is_bound:
            self.fields["consent_version"].initial = self.consent_wording.version

    @property
    def is_spam(self) -> bool:
        """The hidden honeypot field was filled in: a bot. Answer as usual, do nothing."""
        return bool(str(self.data.get(HONEYPOT_FIELD, "")).strip())

    def _clean_text(self, name: str) -> str:
        field = self.fields[name]
        return clean_text(self.cleaned_data.get(name, ""), field.max_length, str(field.label))

    def clean_organisation_name(self) -> str:
        name = clean_organisation_name(self._clean_text("organisation_name"))
        if not name:
            raise ValidationError(_("Enter the organisation's name."))
        return name

    def clean_city(self) -> str:
        return self._clean_text("city")

    def clean_contact_name(self) -> str:
        return self._clean_text("contact_name")

    def clean_contact_role(self) -> str:
        return self._clean_text("contact_role")

    def clean_contact_email(self) -> str:
        return clean_email(self.cleaned_data["contact_email"])


class RejectForm(forms.Form):
    """An optional reason, emailed to the contact (when they confirmed their address)."""

    reason = forms.CharField(
        label=gettext_lazy("Reason (optional, emailed to the contact)"),
        required=False,
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data.get("reason", ""), MAX_REASON_LENGTH, _("reason"))


class MergeForm(forms.Form):
    """The existing organisation that signs in the request's place."""

    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Existing organisation"), queryset=Organisation.objects.all()
    )

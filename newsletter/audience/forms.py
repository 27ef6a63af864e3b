"""Public forms: subscribe and preferences; plus input checks shared with the JSON API."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsletter.audience.consent import consent_by_version, current_consent, wording_language
from newsletter.models.audience import LANGUAGES, ConsentText, MailingList, normalise_email

MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 200
HONEYPOT_FIELD = "website"
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")
_NOT_ALLOWED = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")  # control chars, lone surrogates


def clean_text(
    value: str, max_length: int, label: str, *, not_allowed: re.Pattern[str] = _NOT_ALLOWED
) -> str:
    """Trimmed text without control characters (PostgreSQL rejects NUL), or ValidationError.

    ``not_allowed`` is the characters refused (by default every control character).
    """
    value = value.strip()
    if not_allowed.search(value):
        raise ValidationError(
            _("The %(label)s contains characters that are not allowed.") % {"label": label}
        )
    if len(value) > max_length:
        raise ValidationError(
            _("The %(label)s is too long (at most %(max)d characters).")
            % {"label": label, "max": max_length}
        )
    return value


def clean_email(value: str) -> str:
    """The normalised address, or ValidationError with a message for people."""
    value = normalise_email(clean_text(value, MAX_EMAIL_LENGTH, _("email address")))
    if not value:
        raise ValidationError(_("Enter your email address."))
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError(_("Enter a valid email address, like name@example.org.")) from exc
    return value


class ConsentVersionMixin:
    """``clean_consent_version`` for a public form whose hidden ``consent_version`` field
    carries the version of the consent wording shown with it."""

    cleaned_data: dict
    consent_wording: ConsentText | None

    def default_consent_wording(self) -> ConsentText | None:
        """The wording recorded when the form sent no version: the one shown with it."""
        return self.consent_wording

    def clean_consent_version(self) -> ConsentText | None:
        """The wording the visitor saw; a version we never showed asks them to read again."""
        version = self.cleaned_data.get("consent_version", "")
        if not version:
            return self.default_consent_wording()
        wording = consent_by_version(version)
        if wording is None:
            raise ValidationError(
                _("The consent wording has changed: please read it and tick again.")
            )
        return wording


def list_by_slug(slug: object, *, public_only: bool = True) -> MailingList | None:
    """A list by slug (public ones only, by default); unknown, malformed and internal lists
    all look the same: ``None``."""
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
        return None
    lists = MailingList.objects.filter(slug=slug)
    return (lists.filter(is_public=True) if public_only else lists).first()


def public_list(slug: object) -> MailingList | None:
    return list_by_slug(slug)


class SubscribeForm(ConsentVersionMixin, forms.Form):
    """Email, optional name, language, the consent checkbox, and a honeypot."""

    email = forms.CharField(
        label=gettext_lazy("Email address"),
        max_length=MAX_EMAIL_LENGTH,
        error_messages={"required": gettext_lazy("Enter your email address.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    name = forms.CharField(
        label=gettext_lazy("Name (optional)"),
        max_length=MAX_NAME_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    language = forms.ChoiceField(label=gettext_lazy("Emails in"), choices=LANGUAGES, initial="en")
    consent = forms.BooleanField(
        required=True,
        error_messages={"required": gettext_lazy("Tick the box to confirm you want our emails.")},
    )
    list = forms.CharField(widget=forms.HiddenInput, max_length=80)
    consent_version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=16)
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, mailing_list: MailingList | None = None, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"subscribe-{uuid.uuid4().hex[:6]}-%s")
        super().__init__(*args, **kwargs)
        self.mailing_list = mailing_list
        shown = current_consent()
        self.consent_wording: ConsentText = shown
        self.fields["consent"].label = shown.text
        self.fields["language"].initial = wording_language()
        if not self.is_bound:
            self.fields["consent_version"].initial = shown.version
            if mailing_list is not None:
                self.fields["list"].initial = mailing_list.slug

    @property
    def is_spam(self) -> bool:
        """The hidden honeypot field was filled in: a bot. Answer as usual, do nothing."""
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())

    def clean_email(self) -> str:
        return clean_email(self.cleaned_data["email"])

    def clean_consent(self) -> bool:
        """Only a ticked box counts (browsers send "on"); "0", "no" or "false" never do."""
        if str(self.data.get("consent", "")).strip().lower() not in ("on", "true", "1", "yes"):
            raise ValidationError(self.fields["consent"].error_messages["required"])
        return True

    def clean_name(self) -> str:
        return clean_text(self.cleaned_data.get("name", ""), MAX_NAME_LENGTH, _("name"))

    def clean_list(self) -> MailingList:
        mailing_list = public_list(self.cleaned_data["list"])
        if mailing_list is None:
            raise ValidationError(_("Choose a list to subscribe to."))
        self.mailing_list = mailing_list
        return mailing_list

    def default_consent_wording(self) -> ConsentText:
        """The current wording in the language chosen on the form."""
        return current_consent(self.data.get("language"))


class PreferencesForm(forms.Form):
    """Which lists to receive, and in which language."""

    lists = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Your lists"),
        queryset=MailingList.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(label=gettext_lazy("Emails in"), choices=LANGUAGES)

    def __init__(self, *args, choices: list[MailingList], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lists"].queryset = MailingList.objects.filter(pk__in=[m.pk for m in choices])
        self.fields["lists"].label_from_instance = lambda ml: (
            f"{ml.name} — {ml.description}" if ml.description else ml.name
        )

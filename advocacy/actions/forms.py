"""The supporter's form for an action, used by the HTML page and the JSON endpoint alike.

Name, email and postal code for everyone; for a letter, the letter (editable when the action
allows) and an optional personal paragraph; the newsletter checkbox when the action offers a
list; a honeypot field. Validating also finds the targets (:mod:`advocacy.actions.targets`):
when the supporter's postal area spans ridings, the form asks them to choose.
"""

from __future__ import annotations

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advocacy.actions.targets import TargetLookup, find_targets, normalise_postal_code
from advocacy.models import ActionPage, Representative
from newsletter.audience.consent import current_consent
from newsletter.audience.forms import (
    HONEYPOT_FIELD,
    MAX_NAME_LENGTH,
    ConsentVersionMixin,
    clean_email,
    clean_text,
)
from newsletter.models import ConsentText

MAX_SUBJECT_LENGTH = 200
MAX_BODY_LENGTH = 5000
MAX_PERSONAL_LENGTH = 2000
MAX_RIDING_LENGTH = 200
TICKED = ("on", "true", "1", "yes")
# Control characters other than tab and line breaks, and lone surrogates.
_NOT_ALLOWED_IN_LETTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_letter_text(value: str, max_length: int, label: str) -> str:
    """Multi-line text: line breaks kept (as ``\\n``), other control characters refused."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return clean_text(value, max_length, label, not_allowed=_NOT_ALLOWED_IN_LETTERS)


class ActionForm(ConsentVersionMixin, forms.Form):
    """What a supporter sends to take ``page``; ``targets`` holds who the letter goes to."""

    name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=MAX_NAME_LENGTH,
        error_messages={"required": gettext_lazy("Enter your name.")},
    )
    email = forms.CharField(
        label=gettext_lazy("Email address"),
        max_length=254,
        error_messages={"required": gettext_lazy("Enter your email address.")},
    )
    postal_code = forms.CharField(
        label=gettext_lazy("Postal code"),
        max_length=20,
        error_messages={"required": gettext_lazy("Enter your postal code.")},
    )
    riding = forms.CharField(label=gettext_lazy("Your riding"), required=False, max_length=200)
    subject = forms.CharField(
        label=gettext_lazy("Subject"), required=False, max_length=MAX_SUBJECT_LENGTH
    )
    # Raw input bounds: browsers send line breaks as \r\n; the real limits are checked after.
    body = forms.CharField(
        label=gettext_lazy("Letter"), required=False, max_length=2 * MAX_BODY_LENGTH
    )
    personal_message = forms.CharField(
        label=gettext_lazy("Your own words (optional)"),
        required=False,
        max_length=2 * MAX_PERSONAL_LENGTH,
        help_text=gettext_lazy("A paragraph added after the letter, e.g. why this matters to you."),
    )
    consent = forms.BooleanField(required=False)
    consent_version = forms.CharField(required=False, max_length=16)
    website = forms.CharField(label=gettext_lazy("Leave this field empty"), required=False)

    def __init__(self, *args, page: ActionPage, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"action-{uuid.uuid4().hex[:6]}-%s")
        super().__init__(*args, **kwargs)
        self.page = page
        self.language = page.locale.language_code if page.locale_id else "en"
        self.targets: list[Representative] = []
        self.riding_choices: list[str] = []
        self.consent_wording: ConsentText | None = (
            current_consent(self.language) if page.mailing_list_id else None
        )
        if not self.is_bound:
            self.fields["subject"].initial = page.letter_subject
            self.fields["body"].initial = page.letter_body
            if self.consent_wording is not None:
                self.fields["consent_version"].initial = self.consent_wording.version

    @property
    def is_letter(self) -> bool:
        return self.page.kind == ActionPage.Kind.LETTER

    @property
    def is_spam(self) -> bool:
        """The hidden honeypot field was filled in: a bot. Answer as usual, do nothing."""
        return bool(str(self.data.get(HONEYPOT_FIELD, "")).strip())

    def clean_name(self) -> str:
        name = clean_text(self.cleaned_data["name"], MAX_NAME_LENGTH, _("name"))
        if not name:
            raise ValidationError(_("Enter your name."))
        return name

    def clean_email(self) -> str:
        return clean_email(self.cleaned_data["email"])

    def clean_postal_code(self) -> str:
        return normalise_postal_code(self.cleaned_data["postal_code"])

    def clean_riding(self) -> str:
        return clean_text(self.cleaned_data.get("riding", ""), MAX_RIDING_LENGTH, _("riding"))

    def clean_subject(self) -> str:
        if not (self.is_letter and self.page.letter_editable):
            return self.page.letter_subject
        subject = clean_text(self.cleaned_data.get("subject", ""), MAX_SUBJECT_LENGTH, _("subject"))
        return subject or self.page.letter_subject

    def clean_body(self) -> str:
        if not (self.is_letter and self.page.letter_editable):
            return self.page.letter_body
        body = clean_letter_text(self.cleaned_data.get("body", ""), MAX_BODY_LENGTH, _("letter"))
        return body or self.page.letter_body

    def clean_personal_message(self) -> str:
        if not self.is_letter:
            return ""
        return clean_letter_text(
            self.cleaned_data.get("personal_message", ""), MAX_PERSONAL_LENGTH, _("paragraph")
        )

    def clean_consent(self) -> bool:
        """Only a ticked box counts, and only when the action offers a list."""
        ticked = str(self.data.get("consent", "")).strip().lower() in TICKED
        return ticked and self.consent_wording is not None

    def clean_consent_version(self) -> ConsentText | None:
        """The wording the supporter saw; none when the action offers no list."""
        if self.consent_wording is None:
            return None
        return super().clean_consent_version()

    def clean(self) -> dict:
        data = super().clean()
        if self.is_letter and "postal_code" in data:
            self._find_targets(data["postal_code"], data.get("riding", ""))
        return data

    def _find_targets(self, postal_code: str, riding: str) -> None:
        found: TargetLookup = find_targets(self.page, postal_code, riding)
        self.riding_choices = found.riding_choices
        if found.error:
            self.add_error("riding" if found.riding_choices else "postal_code", found.error)
        self.targets = found.targets

    def participation_values(self) -> dict:
        """The validated values a participation is recorded from (JSON-serialisable)."""
        data = self.cleaned_data
        consent = data.get("consent_version")
        return {
            "name": data["name"],
            "email": data["email"],
            "postal_code": data["postal_code"],
            "subject": data["subject"] if self.is_letter else "",
            "body": data["body"] if self.is_letter else "",
            "personal_message": data["personal_message"],
            "target_ids": [target.pk for target in self.targets],
            "wants_newsletter": bool(data.get("consent")),
            "consent_text_id": consent.pk if consent is not None else None,
            "language": self.language,
        }

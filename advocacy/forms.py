"""Admin forms: the open letter's paste-to-sign field."""

from __future__ import annotations

from django import forms
from wagtail.admin.forms import WagtailAdminPageForm

from advocacy.models.organisations import Organisation
from advocacy.signatories import PasteReport, parse_pasted_names, resolve_organisations


class OpenLetterPageForm(WagtailAdminPageForm):
    """Adds a textarea where an editor pastes signatories, one organisation per line."""

    paste_signatories = forms.CharField(
        label="Paste signatories",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "One organisation per line"}),
        help_text="Paste one organisation per line (hundreds at once is fine). Blank lines and "
        "duplicates are skipped and reported; organisations that already exist are reused, "
        "the others are created. They are added after the signatories below when you save.",
    )

    def _signed_organisation_ids(self) -> list[int]:
        formset = self.formsets.get("signatories")
        if formset is None:
            return []
        formset.is_valid()  # ClusterForm validates formsets after this form; do it now (cached)
        ids = []
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("organisation"):
                continue
            ids.append(data["organisation"].pk)
        return ids

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("paste_signatories") or ""
        self.paste_report: PasteReport | None = None
        if text.strip():
            signed_keys = Organisation.objects.filter(
                pk__in=self._signed_organisation_ids()
            ).values_list("name_key", flat=True)
            report = parse_pasted_names(text, signed_keys)
            if report.errors:
                self.add_error("paste_signatories", report.errors)
            else:
                self.paste_report = report
        return cleaned

    def save(self, commit: bool = True):
        page = super().save(commit=False)
        report = getattr(self, "paste_report", None)
        if report is not None:
            from advocacy.models.letters import LetterSignatory

            organisations = resolve_organisations(report)
            current = list(page.signatories.all())
            start = max((link.sort_order or 0 for link in current), default=-1) + 1
            page.signatories.add(
                *[
                    LetterSignatory(organisation=org, sort_order=start + offset)
                    for offset, org in enumerate(organisations)
                ]
            )
            # Wagtail reloads the page after publishing, so the report travels on the user
            # object (the same one as request.user) to the after-save hook that shows it.
            if self.for_user is not None:
                self.for_user._signatory_paste_report = report
        if commit:
            page.save()
        return page

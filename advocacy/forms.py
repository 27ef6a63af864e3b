"""Admin forms: the open letter's signatories, added by paste and removed by ticking.

A letter can have hundreds of signatories. An inline form per signatory made the edit page
3.5 MB with one query per row; instead the page lists them (one checkbox each, to remove) and
takes new ones pasted, one organisation per line. They stay in signing order: pasted ones are
added at the end.

Organisations are only created when the letter is saved, never when it is previewed; see
``allow_creating_organisations``.
"""

from __future__ import annotations

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from advocacy.models.organisations import Organisation
from advocacy.signatories import PasteReport, parse_pasted_names, resolve_organisations

_SAVING_FLAG = "_saving_open_letter"


def allow_creating_organisations(user) -> None:
    """Let this request's ``OpenLetterPageForm.save()`` create the pasted organisations.

    Wagtail calls ``form.save(commit=False)`` in two kinds of view, and only one of them saves:

    - The page edit and create views save it: they call ``form.save(commit=False)`` and then
      ``save_revision()``, which needs the organisations in the database. They run the
      ``before_edit_page`` / ``before_create_page`` hook before building the form.
    - The live preview calls ``form.save(commit=False)`` only to render the unsaved page,
      each time the preview panel refreshes while the editor types. It runs no hook.

    ``commit`` cannot tell the two apart, so a hook in ``advocacy/wagtail_hooks.py`` calls
    this from ``before_edit_page`` / ``before_create_page`` on POST. The flag travels on the
    user object because the hook gets the request and the form gets ``for_user``, the same
    object as ``request.user`` (the paste report travels back the same way). Without the flag,
    ``save(commit=False)`` writes nothing: pasted names become signatories in memory, with the
    existing organisations and unsaved ``Organisation`` instances for new names, so the
    preview still shows them.
    """
    setattr(user, _SAVING_FLAG, True)


def may_create_organisations(user) -> bool:
    return user is not None and getattr(user, _SAVING_FLAG, False)


class OpenLetterPageForm(WagtailAdminPageForm):
    """The letter's form, with ``paste_signatories`` and ``remove_signatories``."""

    paste_signatories = forms.CharField(
        label=_("Paste signatories"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": _("One organisation per line")}),
        help_text=_(
            "Paste one organisation per line (hundreds at once is fine). Blank lines and "
            "duplicates are skipped and reported; organisations that already exist are reused, "
            "the others are created. They are added at the end of the list when you save."
        ),
    )
    remove_signatories = forms.MultipleChoiceField(
        label=_("Signatories"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("In signing order. Tick any to take them off the letter when you save."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.current_signatories = self._current_signatories()
        field = self.fields["remove_signatories"]
        field.choices = [
            (str(org.pk), f"{number}. {org.name}" + (f" ({org.place})" if org.place else ""))
            for number, org in enumerate(self.current_signatories, start=1)
        ]
        count = len(self.current_signatories)
        field.label = (
            ngettext("Signed by %(count)s organisation", "Signed by %(count)s organisations", count)
            % {"count": number_format(count, force_grouping=True)}
            if count
            else gettext("No signatories yet")
        )

    def _current_signatories(self) -> list[Organisation]:
        """The letter's organisations in signing order (from the revision being edited), with
        their names in one query."""
        links = sorted(
            self.instance.signatories.all(), key=lambda link: (link.sort_order or 0, link.pk or 0)
        )
        by_id = Organisation.objects.in_bulk([link.organisation_id for link in links])
        return [by_id[link.organisation_id] for link in links if link.organisation_id in by_id]

    def clean(self):
        cleaned = super().clean()
        removed = set(cleaned.get("remove_signatories") or [])
        text = cleaned.get("paste_signatories") or ""
        self.paste_report: PasteReport | None = None
        if text.strip():
            staying = [
                org.name_key for org in self.current_signatories if str(org.pk) not in removed
            ]
            report = parse_pasted_names(text, staying)
            if report.errors:
                self.add_error("paste_signatories", report.errors)
            else:
                self.paste_report = report
        return cleaned

    def save(self, commit: bool = True):
        """Apply the ticks and the paste to the page's signatories.

        New organisations are created only if the page is saved here (``commit``) or by the
        view that called this (``allow_creating_organisations``); a preview writes nothing.
        """
        saving = commit or may_create_organisations(self.for_user)
        page = super().save(commit=False)
        removed = {int(pk) for pk in self.cleaned_data.get("remove_signatories") or []}
        if removed:
            page.signatories.remove(
                *[link for link in page.signatories.all() if link.organisation_id in removed]
            )
        report = getattr(self, "paste_report", None)
        if report is not None:
            signatory = page._meta.get_field("signatories").related_model  # LetterSignatory
            organisations = resolve_organisations(report, create=saving)
            current = list(page.signatories.all())
            start = max((link.sort_order or 0 for link in current), default=-1) + 1
            page.signatories.add(
                *[
                    signatory(organisation=org, sort_order=start + offset)
                    for offset, org in enumerate(organisations)
                ]
            )
        if saving and (report is not None or removed) and self.for_user is not None:
            report = report or PasteReport()
            report.removed = len(removed)
            # Wagtail reloads the page after publishing, so the report travels on the user
            # object (the same one as request.user) to the after-save hook that shows it.
            self.for_user._signatory_paste_report = report
        if commit:
            page.save()
        return page

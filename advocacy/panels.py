"""Admin panels of the advocacy pages."""

from __future__ import annotations

from wagtail.admin.panels import FieldPanel, Panel


class SignatoryListPanel(FieldPanel):
    """The open letter's signatories as a list of checkboxes (tick to remove).

    A FieldPanel, rendered as usual, but described to the editor's JavaScript as a plain panel:
    Wagtail otherwise sends a second copy of the widget (hundreds of rows) in the page's JSON.
    """

    class BoundPanel(FieldPanel.BoundPanel):
        telepath_adapter_name = Panel.BoundPanel.telepath_adapter_name

        def js_opts(self) -> dict:
            return Panel.BoundPanel.js_opts(self)

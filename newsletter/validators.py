"""Validators shared by the models and blocks of both apps."""

from __future__ import annotations

from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy

# Web addresses rendered into links (href): http and https only, on the model field, so the
# admin, the API, imports and full_clean() all refuse javascript:, data:, ftp: and the like.
# Its own error code keeps its message in model forms (Django puts the form field's "Enter a
# valid URL." in place of a model error coded "invalid").
validate_http_url = URLValidator(
    schemes=["http", "https"],
    message=gettext_lazy("Enter a web address starting with http:// or https://."),
    code="not_http_url",
)

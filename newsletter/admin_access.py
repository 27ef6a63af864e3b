"""One way to refuse an admin user: HTTP 403 inside the admin's frame, saying what is missing.

Wagtail redirects a refused user to the dashboard; these answer 403 with a page that names
the permission and the group that gives it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

AUDIENCE_MESSAGE = _(
    "You do not have permission to see subscriber data. Ask an administrator to add you to "
    "the “Audience managers” group if you need it."
)


def forbidden(request: HttpRequest, message: str = AUDIENCE_MESSAGE) -> HttpResponse:
    """HTTP 403 in the admin's frame with ``message``."""
    return TemplateResponse(
        request,
        "newsletter/admin/forbidden.html",
        {"page_title": _("Permission denied"), "header_icon": "warning", "message": message},
        status=403,
    )


def forbidden_as_403(view: Callable, message: str = AUDIENCE_MESSAGE) -> Callable:
    """The view, answering 403 (not Wagtail's redirect) when it raises PermissionDenied."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden(request, message)

    return guarded


def permission_required(permission: str, message: str) -> Callable[[Callable], Callable]:
    """Decorator: 403 with ``message`` for users without ``permission``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perm(permission):
                return forbidden(request, message)
            return view(request, *args, **kwargs)

        return checked

    return decorator


class Forbidden403Mixin:
    """For ModelAdmin classes: every view answers 403 to users without the permission."""

    def index_view(self, request):
        return forbidden_as_403(super().index_view)(request)

    def create_view(self, request):
        return forbidden_as_403(super().create_view)(request)

    def inspect_view(self, request, instance_pk):
        return forbidden_as_403(super().inspect_view)(request, instance_pk)

    def edit_view(self, request, instance_pk):
        return forbidden_as_403(super().edit_view)(request, instance_pk)

    def delete_view(self, request, instance_pk):
        return forbidden_as_403(super().delete_view)(request, instance_pk)

    def history_view(self, request, instance_pk):
        return forbidden_as_403(super().history_view)(request, instance_pk)

"""The headless API: Wagtail API v2 endpoints for pages, images and documents.

A host registers them on its own router in one call::

    from wagtail.api.v2.router import WagtailAPIRouter
    from advocacy.api import register_api_endpoints

    api_router = register_api_endpoints(WagtailAPIRouter("wagtailapi"))
    urlpatterns = [path("api/v2/", api_router.urls), ...]

Wagtail's endpoints, made to answer 400 (never 500) to any query string: a NUL anywhere in it,
a value a field filter can't read (``?date=notadate``), an unknown ``search_operator``, a
``find`` id that is not a number. Search text goes through the same cleaning as the site's
search page (:func:`advocacy.search_terms.clean_search_query`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import translation
from rest_framework.request import Request
from wagtail.api.v2.filters import FieldsFilter, SearchFilter
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import Site
from wagtail.search.backends import get_search_backend
from wagtail.search.backends.base import FilterFieldError, OrderByFieldError

from advocacy.search_terms import clean_search_query
from newsletter.languages import i18n_enabled, localized

SEARCH_OPERATORS = ("and", "or")


class CheckedFieldsFilter(FieldsFilter):
    """Wagtail's field filters (``?title=…``), with a value the field can't read a 400."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view) -> QuerySet:
        try:
            return super().filter_queryset(request, queryset, view)
        except (ValidationError, ValueError, TypeError) as error:
            message = "; ".join(getattr(error, "messages", None) or [str(error)])
            raise BadRequestError(f"field filter error: {message}") from error


class CleanSearchFilter(SearchFilter):
    """Wagtail's ``?search=`` filter, on cleaned text, with a bad ``search_operator`` a 400."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view) -> QuerySet:
        if "search" not in request.GET:
            return queryset
        if not getattr(settings, "WAGTAILAPI_SEARCH_ENABLED", True):
            raise BadRequestError("search is disabled")
        if getattr(queryset, "_filtered_by_tag", False):
            raise BadRequestError("filtering by tag with a search query is not supported")
        operator = request.GET.get("search_operator") or None
        if operator is not None and operator.lower() not in SEARCH_OPERATORS:
            raise BadRequestError("search_operator must be 'and' or 'or'")
        query = clean_search_query(request.GET["search"])
        if not query:
            return queryset.none()
        try:
            return get_search_backend().search(
                query, queryset, operator=operator, order_by_relevance="order" not in request.GET
            )
        except FilterFieldError as error:
            raise BadRequestError(
                f"cannot filter by '{error.field_name}' while searching (field is not indexed)"
            ) from error
        except OrderByFieldError as error:
            raise BadRequestError(
                f"cannot order by '{error.field_name}' while searching (field is not indexed)"
            ) from error


def _has_nul(*texts: str) -> bool:
    return any("\x00" in text for text in texts)


def _checked_backends(backends: list) -> list:
    replacements = {FieldsFilter: CheckedFieldsFilter, SearchFilter: CleanSearchFilter}
    return [replacements.get(backend, backend) for backend in backends]


class CheckedQueryMixin(BaseAPIViewSet):
    """A 400 for a NUL anywhere in the query string (no database stores or compares it) and
    for a ``find`` lookup value that is not of the right type."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if any(_has_nul(key, *values) for key, values in request.GET.lists()):
            raise BadRequestError("null characters are not allowed in the query string")

    def find_object(self, queryset: QuerySet, request: Request) -> Model | None:
        try:
            return super().find_object(queryset, request)
        except (ValidationError, ValueError, TypeError) as error:
            raise BadRequestError("find: not a valid value") from error


class CheckedPagesAPIViewSet(CheckedQueryMixin, PagesAPIViewSet):
    filter_backends = _checked_backends(PagesAPIViewSet.filter_backends)

    def find_object(self, queryset, request):
        """``?html_path=`` as the site prints it: with a language prefix (``/fr/…``, from
        ``i18n_patterns``) the path is looked up in that language's tree."""
        path = request.GET.get("html_path", "")
        language, _slash, rest = path.strip("/").partition("/")
        if i18n_enabled() and language in dict(settings.LANGUAGES):
            site = Site.find_for_request(request)
            with translation.override(language):
                root = localized(site.root_page) if site is not None else None
            if root is None:
                return None
            try:
                page, _args, _kwargs = root.specific.route(
                    request, [c for c in rest.split("/") if c]
                )
            except Http404:
                return None
            return page if queryset.filter(id=page.id).exists() else None
        return super().find_object(queryset, request)


class CheckedImagesAPIViewSet(CheckedQueryMixin, ImagesAPIViewSet):
    filter_backends = _checked_backends(ImagesAPIViewSet.filter_backends)


class CheckedDocumentsAPIViewSet(CheckedQueryMixin, DocumentsAPIViewSet):
    filter_backends = _checked_backends(DocumentsAPIViewSet.filter_backends)


ENDPOINTS = {
    "pages": CheckedPagesAPIViewSet,
    "images": CheckedImagesAPIViewSet,
    "documents": CheckedDocumentsAPIViewSet,
}


def register_api_endpoints(router: WagtailAPIRouter) -> WagtailAPIRouter:
    """Register the pages, images and documents endpoints on ``router`` and return it.

    The page endpoint serves every advocacy field (see ``api_fields`` on the page models).
    Needs ``"wagtail.api.v2"`` and ``"rest_framework"`` in ``INSTALLED_APPS``.
    """
    for name, viewset in ENDPOINTS.items():
        router.register_endpoint(name, viewset)
    return router

"""``/api/v3/preview/?token=...``: an editor's saved draft, for an external front end.

The page editor mints a signed, short-lived token for one revision of one page
(:func:`preview_token`, used by ``preview_admin.py``) and sends the editor to the front end with
it; the front end asks this endpoint for the page at that revision and gets the same JSON as
``/api/v3/pages/<id>/`` (Wagtail's ``PageDetailSchema``). The token alone grants access to that
one revision, with no login, so it is signed with its own salt, carries the page and revision
ids, and expires after ``NEWSLETTER_HEADLESS_PREVIEW_SECONDS`` (30 minutes by default: long
enough to read a draft and show it to a colleague, short enough that a link left in a browser
history, a proxy log or a chat message soon shows nothing; the editor mints a new one with one
click).
"""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from wagtail.api.v3.errors import PROBLEM_JSON, ProblemDetail, problem_response
from wagtail.api.v3.routers.pages import PageDetailSchema
from wagtail.models import Page, Revision

router = Router(tags=["preview"])

SALT = "newsletter.headless.preview"
SECONDS_SETTING = "NEWSLETTER_HEADLESS_PREVIEW_SECONDS"
DEFAULT_SECONDS = 30 * 60
# Longer than any token we mint (about 60 characters); anything longer is refused unread.
TOKEN_MAX_LENGTH = 200

PREVIEW_HEADERS = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


class PreviewError(Exception):
    """A token that shows nothing: ``status`` (400 or 404) and a message for the front end."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def preview_seconds() -> int:
    """How long a preview token lasts, from ``NEWSLETTER_HEADLESS_PREVIEW_SECONDS``."""
    seconds = getattr(settings, SECONDS_SETTING, DEFAULT_SECONDS)
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
        raise ImproperlyConfigured(
            f"{SECONDS_SETTING} must be a positive number of seconds, got {seconds!r}."
        )
    return seconds


def preview_token(revision: Revision) -> str:
    """A signed, timestamped token for ``revision`` of its page (URL-safe characters only)."""
    payload = {"p": int(revision.object_id), "r": revision.pk}
    return signing.dumps(payload, salt=SALT, compress=False)


def read_token(token: str, max_age: int | None = None) -> tuple[int, int]:
    """``(page id, revision id)`` from a token :func:`preview_token` minted at most ``max_age``
    seconds ago (default: the setting); :class:`PreviewError` (400) otherwise."""
    age = preview_seconds() if max_age is None else max_age
    try:
        payload = signing.loads(token, salt=SALT, max_age=age)
    except signing.SignatureExpired as error:
        raise PreviewError(
            400,
            _("This preview link has expired. Open the preview again from the page editor."),
        ) from error
    except (signing.BadSignature, ValueError) as error:
        raise PreviewError(400, _("This preview link is not valid.")) from error
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("p"), int)
        and isinstance(payload.get("r"), int)
    ):
        raise PreviewError(400, _("This preview link is not valid."))
    return payload["p"], payload["r"]


def preview_object(token: str) -> Page:
    """The page (specific) as it is in the token's revision; :class:`PreviewError` when the
    token is bad or expired (400) or the revision or its page is gone (404)."""
    page_id, revision_id = read_token(token)
    revision = (
        Revision.page_revisions.select_related("content_type")
        .filter(pk=revision_id, object_id=str(page_id))
        .first()
    )
    page = revision.content_object if revision is not None else None
    if page is None:
        raise PreviewError(
            404,
            _("This draft no longer exists. Open the preview again from the page editor."),
        )
    return revision.as_object()


def _problem_schema() -> dict:
    """OpenAPI for an error answer: RFC 7807 problem details, as Wagtail's API gives them."""
    schema = ProblemDetail.model_json_schema()
    return {"content": {PROBLEM_JSON: {"schema": schema}}}


@router.get(
    "/",
    response=PageDetailSchema,
    url_name="preview_page",
    summary="Preview a draft",
    operation_id="preview_page",
    openapi_extra={
        "responses": {
            "400": {"description": "The token is malformed, tampered with or expired."}
            | _problem_schema(),
            "404": {"description": "The revision or its page no longer exists."}
            | _problem_schema(),
        }
    },
)
def preview_page(
    request: HttpRequest,
    response: HttpResponse,
    token: str = Query(
        ...,
        min_length=1,
        max_length=TOKEN_MAX_LENGTH,
        description="The token from the page editor's “Preview on the front end” link.",
    ),
):
    """The page at the token's revision (an editor's saved draft), in the same shape as
    ``/api/v3/pages/<id>/``. No login: the token, short-lived and tied to one revision, is
    the access. Never cached (``Cache-Control: private, no-store``) nor indexed."""
    try:
        page = preview_object(token)
    except PreviewError as error:
        problem = problem_response(status=error.status, detail=error.message)
        for header, value in PREVIEW_HEADERS.items():
            problem[header] = value
        return problem
    for header, value in PREVIEW_HEADERS.items():
        response[header] = value
    return page

"""Idempotent create-or-update of demo pages and snippets, and the tally of what changed.

Pages are found by slug under their parent: a second run creates nothing, and only saves (and
publishes a new revision of) what differs from the content. A page with unpublished changes (an
editor's draft) is left exactly as it is and listed in the tally (``kept_drafts``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from wagtail.fields import StreamField
from wagtail.models import Page

from home.demo import DemoContentError

CREATED, UPDATED, EXISTING = "created", "updated", "existing"
KEPT_DRAFTS = "kept_drafts"  # in the counts: {page title: page id} of pages left alone


def has_pending_draft(page: Page) -> bool:
    """Whether an editor has saved changes to ``page`` that are not published yet (a draft,
    or a revision newer than the live one): the demo loader must leave such a page alone."""
    # From the database: after ``save_revision().publish()`` the object in memory still has
    # the old live revision.
    state = (
        Page.objects.filter(pk=page.pk)
        .values("has_unpublished_changes", "latest_revision_id", "live_revision_id")
        .first()
    )
    if state is None:
        return False
    latest, live = state["latest_revision_id"], state["live_revision_id"]
    return state["has_unpublished_changes"] or (latest is not None and live not in (None, latest))


class Writer(Protocol):
    """Where progress lines go: a management command's ``stdout``."""

    def write(self, msg: str, /) -> Any: ...


class Tally:
    """Counts of what the load created, and of what was already there (and was updated)."""

    def __init__(self, stdout: Writer | None = None) -> None:
        """Start from zero; report each created or updated item to ``stdout`` if given."""
        self.counts: dict[str, Counter[str]] = {CREATED: Counter(), EXISTING: Counter()}
        self.updated: Counter[str] = Counter()
        self.stdout = stdout
        self.saved: list[Any] = []  # created or updated pages and snippets
        self.kept_drafts: list[Page] = []  # pages left alone: they have unpublished changes

    def kept_draft(self, page: Page, kind: str) -> None:
        """Record a page left as it is because an editor's draft is pending on it."""
        self.kept_drafts.append(page)
        self.add(kind, EXISTING)

    def saved_object(self, obj: Any, kind: str, status: str, label: str = "") -> None:
        """Record a page or snippet that was just created or updated."""
        self.saved.append(obj)
        self.add(kind, status, label=label)

    def add(self, kind: str, status: str, number: int = 1, label: str = "") -> None:
        """Record ``number`` items of ``kind``: created, or existing (possibly updated)."""
        self.counts[CREATED if status == CREATED else EXISTING][kind] += number
        if status == UPDATED:
            self.updated[kind] += number
        if label and status != EXISTING and self.stdout is not None:
            self.stdout.write(f"  {status:<8} {kind}: {label}\n")

    def as_dict(self) -> dict[str, dict[str, int]]:
        """The counts as ``{"created": {kind: n}, "existing": {...}, "updated": {...}}``, and
        ``"kept_drafts"``: ``{page title: page id}`` of the pages left alone."""
        return {
            CREATED: dict(self.counts[CREATED]),
            EXISTING: dict(self.counts[EXISTING]),
            UPDATED: dict(self.updated),
            KEPT_DRAFTS: {page.title: page.pk for page in self.kept_drafts},
        }


def _strip_block_ids(data: Any) -> Any:
    """StreamField JSON without the random block ids, for comparing content."""
    if isinstance(data, list):
        return [_strip_block_ids(item) for item in data]
    if isinstance(data, dict):
        return {
            k: _strip_block_ids(v) for k, v in data.items() if not (k == "id" and "type" in data)
        }
    return data


def _comparable(page: Page, name: str) -> Any:
    """A field's current value in a form that compares equal when the content is equal."""
    field = page._meta.get_field(name)
    value = getattr(page, name)
    if isinstance(field, StreamField):
        return _strip_block_ids(field.stream_block.get_prep_value(value))
    return value


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    """Set ``values`` on a page or snippet; return whether anything changed."""
    changed = False
    for name, new in values.items():
        if isinstance(obj, Page):
            before = _comparable(obj, name)
            setattr(obj, name, new)
            changed |= _comparable(obj, name) != before
        elif getattr(obj, name) != new:
            setattr(obj, name, new)
            changed = True
    return changed


def upsert_page(
    parent: Page,
    model: type[Page],
    slug: str,
    values: dict[str, Any],
    tally: Tally,
    kind: str,
    *,
    topics: Iterable[str] = (),
    extra: Callable[[Page], bool] | None = None,
) -> Page:
    """Create and publish the page ``slug`` under ``parent``, or update it if it differs.

    ``extra(page)`` runs after the page exists and before publishing, for child rows
    (signatories, partners); it returns whether it changed anything.
    """
    found = parent.get_children().filter(slug=slug).first()
    topics = sorted(topics)
    if found is None:
        page = model(slug=slug, **values)
        parent.add_child(instance=page)
        if topics:
            page.topics.set(topics)
        if extra:
            extra(page)
        page.save_revision().publish()
        tally.saved_object(page, kind, CREATED, label=slug)
        return page

    page = found.specific
    if not isinstance(page, model):
        raise DemoContentError(
            f"{page.url_path} is a {type(page).__name__}, not a {model.__name__}; "
            "move or rename it and run the command again."
        )
    if has_pending_draft(page):
        tally.kept_draft(page, kind)  # publishing over it would discard the editor's draft
        return page
    changed = _assign(page, values)
    if topics and sorted(page.topics.names()) != topics:
        page.topics.set(topics)
        changed = True
    if extra:
        changed |= extra(page)
    if changed or not page.live:
        page.save_revision().publish()
        tally.saved_object(page, kind, UPDATED, label=slug)
    else:
        tally.add(kind, EXISTING)
    return page

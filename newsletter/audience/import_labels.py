"""Province and tags from an import's optional columns: read from a cell, and set on the
subscribers a batch of rows names, in a few bulk statements."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from taggit.models import Tag

from newsletter.audience.bulk_insert import insert_ignoring_conflicts
from newsletter.audience.forms import clean_text
from newsletter.models import Subscriber, TaggedSubscriber

MAX_TAG_LENGTH = Tag._meta.get_field("name").max_length


def parse_tags(value: str) -> tuple[str, ...]:
    """Tag names from a ``tags`` cell: separated by ``;`` or ``,``, trimmed, each once
    (ignoring case). ValidationError for a name too long or with control characters."""
    names: dict[str, str] = {}
    for part in value.replace(";", ",").split(","):
        name = clean_text(part, MAX_TAG_LENGTH, _("tag"))
        if name:
            names.setdefault(name.lower(), name)
    return tuple(names.values())


def label_subscribers(labels: list[tuple[int, str, tuple[str, ...]]]) -> None:
    """Set each (subscriber id, province, tags)'s province where the subscriber has none, and
    add their tags (kept ones stay): a few queries, one per distinct province and new tag."""
    by_province: dict[str, list[int]] = {}
    for pk, province, _tags in labels:
        if province:
            by_province.setdefault(province, []).append(pk)
    for province, subscriber_ids in by_province.items():
        Subscriber.objects.filter(pk__in=subscriber_ids, province="").update(province=province)
    tagged = [(pk, names) for pk, _province, names in labels if names]
    if not tagged:
        return
    tags = _tags_named({name for _pk, names in tagged for name in names})
    wanted = {(pk, tags[name.lower()]) for pk, names in tagged for name in names}
    have = set(
        TaggedSubscriber.objects.filter(
            content_object_id__in={pk for pk, _tag in wanted},
            tag_id__in={tag for _pk, tag in wanted},
        ).values_list("content_object_id", "tag_id")
    )
    insert_ignoring_conflicts(
        TaggedSubscriber,
        {},
        [{"content_object_id": pk, "tag_id": tag} for pk, tag in sorted(wanted - have)],
    )


def _tags_named(names: set[str]) -> dict[str, int]:
    """Tag ids by lower-cased name: existing tags (whatever their capitals), the others
    created (taggit makes each slug unique)."""
    found: dict[str, int] = {}
    slugs = {Tag().slugify(name) for name in names}
    for pk, name in Tag.objects.filter(Q(name__in=names) | Q(slug__in=slugs)).values_list(
        "pk", "name"
    ):
        found.setdefault(name.lower(), pk)
    for name in sorted(names):
        if name.lower() not in found:
            found[name.lower()] = Tag.objects.create(name=name).pk
    return found

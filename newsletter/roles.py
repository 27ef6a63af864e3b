"""The roles an administrator gives people: three auth groups, defined here as data.

Roles are set up on request, not by migrations: ``manage.py newsletter_setup_roles
[--pages PAGE_ID ...]`` calls :func:`setup_roles`, which creates each role's group if it is
missing and then gives it exactly the role's permissions (so running it again changes
nothing, and it corrects a group that drifted):

* **Comms editors** write and publish pages, but only below the pages given (by default the
  root page of each Wagtail site, never the root of the page tree, which would cover every
  site of the install); they add, change and choose images and documents in the root
  collection, and manage the snippets other apps register for them. They get no access to
  subscriber data.
* **Audience managers** see, add, change, delete, import and export subscribers, their
  subscriptions, mailing lists and suppressions.
* **Newsletter senders** send issues and follow their sends.

This app cannot name other apps' models, so they add theirs to a role through the
``register_newsletter_role_models`` Wagtail hook: each function returns
``{role name: ["app_label.ModelName", ...]}`` and the role's group gets add, change, delete and
view on each model (the advocacy app gives Comms editors its organisations and donation
appeals).

A role's name is the name of its group, stored in the database: it is not translated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext, gettext_lazy, ngettext
from wagtail import hooks
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from newsletter.role_report import RoleReport, permission_labels

__all__ = [
    "AUDIENCE_MANAGERS",
    "COMMS_EDITORS",
    "NEWSLETTER_SENDERS",
    "ROLES",
    "ROLE_MODELS_HOOK",
    "Role",
    "RoleReport",
    "RoleSetupError",
    "setup_roles",
]

ROLE_MODELS_HOOK = "register_newsletter_role_models"

COMMS_EDITORS = "Comms editors"
AUDIENCE_MANAGERS = "Audience managers"
NEWSLETTER_SENDERS = "Newsletter senders"

MODEL_ACTIONS = ("add", "change", "delete", "view")
PAGE_ACTIONS = ("add", "change", "publish", "lock", "unlock")
ADMIN_ACCESS = "wagtailadmin.access_admin"
SUBSCRIBER_MODELS = (
    "newsletter.Subscriber",
    "newsletter.Subscription",
    "newsletter.MailingList",
    "newsletter.Suppression",
    "newsletter.Segment",
)
IMAGES_AND_DOCUMENTS = (
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
)


class RoleSetupError(Exception):
    """The roles cannot be set up as asked (an unknown page, a bad hook); nothing was changed."""


@dataclass(frozen=True)
class Role:
    """What a role's group is given. Permissions are named ``"app_label.codename"``, models
    ``"app_label.ModelName"``."""

    name: str
    description: str
    permissions: tuple[str, ...] = ()
    # Add, change, delete and view on each.
    models: tuple[str, ...] = ()
    # Page permissions (``add`` for ``add_page``, ...) on the pages given to setup_roles().
    page_actions: tuple[str, ...] = ()
    # Permissions on the root collection (so on every collection).
    collection_permissions: tuple[str, ...] = ()
    # Models whose permissions the role must never get, whatever a hook contributes.
    forbidden_models: tuple[str, ...] = ()


ROLES: tuple[Role, ...] = (
    Role(
        COMMS_EDITORS,
        gettext_lazy(
            "Write and publish pages below the pages given, manage images, documents and "
            "the snippets registered for them; no access to subscriber data."
        ),
        permissions=(ADMIN_ACCESS,),
        page_actions=PAGE_ACTIONS,
        collection_permissions=IMAGES_AND_DOCUMENTS,
        forbidden_models=SUBSCRIBER_MODELS,
    ),
    Role(
        AUDIENCE_MANAGERS,
        gettext_lazy(
            "See, add, change, delete, import and export subscribers, subscriptions, "
            "mailing lists and suppressions."
        ),
        permissions=(
            ADMIN_ACCESS,
            "newsletter.export_subscribers",
            "newsletter.import_subscribers",
        ),
        models=SUBSCRIBER_MODELS,
    ),
    Role(
        NEWSLETTER_SENDERS,
        gettext_lazy("Send issues and follow their sends."),
        permissions=(ADMIN_ACCESS, "newsletter.send_newsletter", "newsletter.view_dispatch"),
    ),
)


# --- looking things up ----------------------------------------------------------------------


def _model(label: str, source: str) -> type[models.Model]:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError) as error:
        raise RoleSetupError(
            gettext("%(source)s names “%(model)s”, which is not an installed model.")
            % {"source": source, "model": label}
        ) from error


def _permission(label: str) -> Permission:
    app_label, _, codename = label.partition(".")
    permission = (
        Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        .select_related("content_type")
        .first()
    )
    if permission is None:
        raise RoleSetupError(
            gettext("The permission “%(permission)s” does not exist: run “manage.py migrate”.")
            % {"permission": label}
        )
    return permission


def _model_permissions(model: type[models.Model]) -> list[Permission]:
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    codenames = [get_permission_codename(action, model._meta) for action in MODEL_ACTIONS]
    found = list(
        Permission.objects.filter(content_type=content_type, codename__in=codenames)
        .select_related("content_type")
        .order_by("codename")
    )
    if len(found) != len(codenames):
        raise RoleSetupError(
            gettext(
                "“%(model)s” lacks some of its add, change, delete and view permissions: run "
                "“manage.py migrate”, or check its Meta.default_permissions."
            )
            % {"model": model._meta.label}
        )
    return found


def _contributed_models() -> dict[str, list[str]]:
    """``{role name: [model label, ...]}`` from the ``register_newsletter_role_models`` hook."""
    names = {role.name: role for role in ROLES}
    contributed: dict[str, list[str]] = {name: [] for name in names}
    for register in hooks.get_hooks(ROLE_MODELS_HOOK):
        source = f"{register.__module__}.{register.__qualname__}"
        for role_name, labels in register().items():
            role = names.get(role_name)
            if role is None:
                raise RoleSetupError(
                    gettext("%(source)s names the role “%(role)s”; the roles are %(roles)s.")
                    % {"source": source, "role": role_name, "roles": ", ".join(names)}
                )
            for label in labels:
                model = _model(label, source)
                if model._meta.label in role.forbidden_models:
                    raise RoleSetupError(
                        gettext("%(source)s gives “%(role)s” the model %(model)s, which that "
                                "role must never have.")
                        % {"source": source, "role": role_name, "model": model._meta.label}
                    )  # fmt: skip
                if model._meta.label not in contributed[role_name]:
                    contributed[role_name].append(model._meta.label)
    return contributed


def _target_pages(pages: Iterable[Page | int] | None) -> list[Page]:
    """The pages Comms editors may publish below: those given, or each site's root page."""
    if pages is None:
        roots = Page.objects.filter(sites_rooted_here__isnull=False, depth__gt=1)
        return list(roots.distinct().order_by("path"))
    ids = list(dict.fromkeys(page.pk if isinstance(page, Page) else int(page) for page in pages))
    found = Page.objects.in_bulk(ids)
    missing = [str(page_id) for page_id in ids if page_id not in found]
    if missing:
        raise RoleSetupError(
            ngettext("There is no page with id %(ids)s.", "There are no pages with ids %(ids)s.",
                     len(missing))
            % {"ids": ", ".join(missing)}
        )  # fmt: skip
    for page in found.values():
        if page.depth == 1:
            raise RoleSetupError(
                gettext(
                    "Page %(id)d is the root of the page tree: publishing below it covers every "
                    "site. Give a site's root page or a section instead."
                )
                % {"id": page.pk}
            )
    return sorted(found.values(), key=lambda page: page.path)


# --- setting a role up ------------------------------------------------------------------------


def _set_exactly(
    model: type[models.Model], group: Group, target: str, wanted: set[tuple[int, int]]
) -> tuple[list[tuple[models.Model, list[str]]], int]:
    """Make the group's ``GroupPagePermission`` or ``GroupCollectionPermission`` rows exactly
    the ``wanted`` (page or collection id, permission id) pairs.

    Returns what was removed, as (page or collection, [codename, ...]), and how many rows were
    added.
    """
    rows = list(model.objects.filter(group=group).select_related(target, "permission"))
    have = {(getattr(row, f"{target}_id"), row.permission_id) for row in rows}
    removed: dict[int, tuple[models.Model, list[str]]] = {}
    for row in rows:
        key = (getattr(row, f"{target}_id"), row.permission_id)
        if key not in wanted:
            removed.setdefault(key[0], (getattr(row, target), []))[1].append(
                row.permission.codename
            )
            row.delete()
    missing = sorted(wanted - have)
    model.objects.bulk_create(
        model(group=group, permission_id=permission_id, **{f"{target}_id": target_id})
        for target_id, permission_id in missing
    )
    return list(removed.values()), len(missing)


def _setup_role(role: Role, model_labels: list[str], pages: list[Page]) -> RoleReport:
    group, created = Group.objects.get_or_create(name=role.name)

    permissions = [_permission(label) for label in role.permissions]
    for label in model_labels:
        permissions += _model_permissions(apps.get_model(label))
    wanted = {permission.pk for permission in permissions}
    current = list(group.permissions.select_related("content_type"))
    removed = [permission for permission in current if permission.pk not in wanted]
    group.permissions.remove(*removed)
    added = len(wanted - {permission.pk for permission in current})
    group.permissions.add(*permissions)

    page_permissions = [
        _permission(f"{Page._meta.app_label}.{action}_{Page._meta.model_name}")
        for action in role.page_actions
    ]
    removed_pages, added_pages = _set_exactly(
        GroupPagePermission,
        group,
        "page",
        {(page.pk, permission.pk) for page in pages for permission in page_permissions},
    )

    collection = Collection.get_first_root_node() if role.collection_permissions else None
    collection_permissions = [_permission(label) for label in role.collection_permissions]
    removed_collections, added_collections = _set_exactly(
        GroupCollectionPermission,
        group,
        "collection",
        {(collection.pk, permission.pk) for permission in collection_permissions}
        if collection is not None
        else set(),
    )

    return RoleReport(
        role=role,
        group=group,
        created=created,
        permissions=list(role.permissions),
        models=model_labels,
        pages=pages if page_permissions else [],
        collection=collection,
        added=added + added_pages + added_collections,
        removed_permissions=permission_labels(removed),
        removed_pages=removed_pages,
        removed_collections=removed_collections,
    )


def setup_roles(pages: Iterable[Page | int] | None = None) -> list[RoleReport]:
    """Create or update every role's group so that it has exactly the role's permissions.

    ``pages`` (pages or page ids) are where Comms editors may add, edit, publish, lock and
    unlock pages (and below them); their page permissions anywhere else are removed. ``None``
    means the root page of each Wagtail site, never the root of the page tree.

    Everything happens in one transaction: on :class:`RoleSetupError` (an unknown page id, the
    tree root, a hook naming an unknown role or model, a missing permission) nothing is
    changed. Returns one :class:`RoleReport` per role, in the order of :data:`ROLES`.
    """
    with transaction.atomic():
        targets = _target_pages(pages)
        contributed = _contributed_models()
        return [
            _setup_role(role, [*role.models, *contributed[role.name]], targets) for role in ROLES
        ]

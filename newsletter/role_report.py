"""What ``manage.py newsletter_setup_roles`` prints: one line per role, one per removal."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.models import Group, Permission
from django.utils.text import get_text_list
from django.utils.translation import gettext
from wagtail.models import Collection, Page

if TYPE_CHECKING:
    from newsletter.roles import Role


def _page_label(page: Page) -> str:
    return gettext("“%(title)s” (id %(id)d)") % {"title": page.title, "id": page.pk}


def permission_labels(permissions: Iterable[Permission]) -> list[str]:
    """``app_label.codename`` of each permission, sorted."""
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)


@dataclass
class RoleReport:
    """What :func:`setup_roles` gave one role, and what it took away."""

    role: Role
    group: Group
    created: bool
    permissions: list[str]  # the role's own model-wide permissions ("app_label.codename")
    models: list[str]  # models it may add, change, delete and view ("app_label.ModelName")
    pages: list[Page]  # where it has the role's page permissions
    collection: Collection | None  # where it has the role's collection permissions
    added: int = 0  # permissions and grants added
    # What was taken away: "app_label.codename", and (page or collection, [codename, ...]).
    removed_permissions: list[str] = field(default_factory=list)
    removed_pages: list[tuple[Page, list[str]]] = field(default_factory=list)
    removed_collections: list[tuple[Collection, list[str]]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        removed = self.removed_permissions or self.removed_pages or self.removed_collections
        return self.created or bool(self.added or removed)

    @property
    def status(self) -> str:
        if self.created:
            return gettext("created")
        return gettext("updated") if self.changed else gettext("unchanged")

    def grants(self) -> list[str]:
        """What the group has, one phrase per kind."""
        role = self.role
        phrases = []
        if self.permissions:
            phrases.append(gettext("permissions %(list)s") % {"list": ", ".join(self.permissions)})
        if self.models:
            phrases.append(
                gettext("add, change, delete and view %(models)s")
                % {"models": ", ".join(self.models)}
            )
        if role.page_actions and self.pages:
            phrases.append(
                gettext("%(actions)s pages at and below %(pages)s")
                % {
                    "actions": get_text_list(list(role.page_actions), gettext("and")),
                    "pages": ", ".join(_page_label(page) for page in self.pages),
                }
            )
        elif role.page_actions:
            phrases.append(gettext("no pages (no site has a root page: give --pages)"))
        if role.collection_permissions and self.collection is not None:
            phrases.append(
                gettext("%(permissions)s in the collection “%(collection)s” and below")
                % {
                    "permissions": ", ".join(role.collection_permissions),
                    "collection": self.collection,
                }
            )
        return phrases

    def summary(self) -> str:
        """One line: the role, whether it was created or changed, and what it has."""
        return gettext("%(role)s (%(status)s): %(grants)s.") % {
            "role": self.role.name,
            "status": self.status,
            "grants": "; ".join(self.grants()) or gettext("nothing"),
        }

    def removals(self) -> list[str]:
        """One line for each page, collection or set of permissions taken away."""
        lines = [
            gettext("Removed %(permissions)s on the page %(page)s.")
            % {"permissions": ", ".join(codenames), "page": _page_label(page)}
            for page, codenames in self.removed_pages
        ]
        lines += [
            gettext("Removed %(permissions)s on the collection “%(collection)s”.")
            % {"permissions": ", ".join(codenames), "collection": collection}
            for collection, codenames in self.removed_collections
        ]
        if self.removed_permissions:
            lines.append(
                gettext("Removed the permissions %(list)s.")
                % {"list": ", ".join(self.removed_permissions)}
            )
        return lines

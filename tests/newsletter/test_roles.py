"""``manage.py newsletter_setup_roles``: the three roles, on request, scoped to the pages given."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail import hooks
from wagtail.models import GroupCollectionPermission, GroupPagePermission, Page, Site

from newsletter.roles import ROLE_MODELS_HOOK, setup_roles

pytestmark = pytest.mark.django_db

ROLE_NAMES = ["Comms editors", "Audience managers", "Newsletter senders"]
SUBSCRIBER_MODELS = ["subscriber", "subscription", "mailinglist", "suppression", "segment"]


def run(*args: str) -> str:
    out = StringIO()
    call_command("newsletter_setup_roles", *args, stdout=out)
    return out.getvalue()


def member_of(django_user_model, role: str, username: str = "member"):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw-1")
    user.groups.add(Group.objects.get(name=role))
    return django_user_model.objects.get(pk=user.pk)  # no permission cache


def can_publish(page: Page, user) -> bool:
    return page.permissions_for_user(user).can_publish()


def grants(name: str) -> dict[str, set]:
    """Everything a group has, to compare two runs."""
    group = Group.objects.get(name=name)
    return {
        "permissions": set(group.permissions.values_list("pk", flat=True)),
        "pages": set(
            GroupPagePermission.objects.filter(group=group).values_list("page", "permission")
        ),
        "collections": set(
            GroupCollectionPermission.objects.filter(group=group).values_list(
                "collection", "permission"
            )
        ),
    }


def codenames(name: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


@pytest.fixture
def tree(home_page):
    """A section below the home page, a page in it, and a sibling of the home page (another
    site's root would sit there)."""
    root = Page.get_first_root_node()
    section = home_page.add_child(instance=Page(title="Campaigns", slug="campaigns"))
    inner = section.add_child(instance=Page(title="A campaign", slug="a-campaign"))
    sibling = root.add_child(instance=Page(title="Other site", slug="other-site"))
    return {"root": root, "home": home_page, "section": section, "inner": inner, "sibling": sibling}


def test_no_migration_creates_the_roles():
    assert not Group.objects.filter(name__in=ROLE_NAMES).exists()


def test_the_command_creates_the_three_roles_one_line_each(home_page):
    out = run("--pages", str(home_page.pk))

    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_NAMES)
    lines = out.strip().splitlines()
    assert len(lines) == 3
    for line, name in zip(lines, ROLE_NAMES, strict=True):
        assert line.startswith(f"{name} (created): ")
    assert f"“{home_page.title}” (id {home_page.pk})" in lines[0]
    assert "advocacy.Organisation" in lines[0]


def test_comms_editors_publish_below_the_given_page_only(tree, django_user_model):
    run("--pages", str(tree["section"].pk))
    editor = member_of(django_user_model, "Comms editors")

    assert editor.has_perm("wagtailadmin.access_admin")
    assert can_publish(tree["section"], editor)
    assert can_publish(tree["inner"], editor)
    assert tree["inner"].permissions_for_user(editor).can_add_subpage()
    assert not can_publish(tree["home"], editor)  # above the page given
    assert not can_publish(tree["root"], editor)  # the tree root
    assert not can_publish(tree["sibling"], editor)
    assert not tree["sibling"].permissions_for_user(editor).can_edit()


def test_by_default_comms_editors_get_each_sites_root_never_the_tree_root(tree, django_user_model):
    Site.objects.create(hostname="other.example.org", port=80, root_page=tree["sibling"])
    run()
    editor = member_of(django_user_model, "Comms editors")

    assert can_publish(tree["home"], editor) and can_publish(tree["inner"], editor)
    assert can_publish(tree["sibling"], editor)
    assert not can_publish(tree["root"], editor)
    pages = GroupPagePermission.objects.filter(group__name="Comms editors")
    assert set(pages.values_list("page", flat=True)) == {tree["home"].pk, tree["sibling"].pk}


def test_running_it_again_changes_nothing(tree):
    first = run("--pages", str(tree["section"].pk), str(tree["sibling"].pk))
    before = {name: grants(name) for name in ROLE_NAMES}
    second = run("--pages", str(tree["section"].pk), str(tree["sibling"].pk))

    assert {name: grants(name) for name in ROLE_NAMES} == before
    assert Group.objects.filter(name__in=ROLE_NAMES).count() == 3
    assert "(created)" in first
    assert second.count("(unchanged)") == 3 and "Removed" not in second


def test_pages_replace_the_root_grant_an_old_migration_made(tree, django_user_model):
    """Installs that ran the old advocacy migration have publish rights on the tree root."""
    setup_roles([tree["home"]])
    group = Group.objects.get(name="Comms editors")
    GroupPagePermission.objects.create(group=group, page=tree["root"], permission_type="publish")

    out = run("--pages", str(tree["section"].pk))

    assert "Comms editors (updated)" in out
    assert f"Removed publish_page on the page “Root” (id {tree['root'].pk})" in out
    assert f"on the page “{tree['home'].title}”" in out  # the earlier scope is gone too
    pages = GroupPagePermission.objects.filter(group=group).values_list("page", flat=True)
    assert set(pages) == {tree["section"].pk}
    editor = member_of(django_user_model, "Comms editors")
    assert not can_publish(tree["sibling"], editor)
    assert not can_publish(tree["home"], editor)


@pytest.mark.parametrize("bad", ["999999", "root"])
def test_a_bad_page_is_an_error_and_changes_nothing(tree, bad):
    page_id = str(tree["root"].pk) if bad == "root" else bad
    with pytest.raises(CommandError) as raised:
        run("--pages", str(tree["section"].pk), page_id)

    message = str(raised.value)
    assert page_id in message and "No role was changed" in message
    if bad == "root":
        assert "root of the page tree" in message
    else:
        assert "no page with id 999999" in message
    assert not Group.objects.filter(name__in=ROLE_NAMES).exists()


def test_a_bad_page_leaves_existing_roles_as_they_were(tree):
    setup_roles([tree["section"]])
    before = {name: grants(name) for name in ROLE_NAMES}
    with pytest.raises(CommandError):
        run("--pages", str(tree["home"].pk), "999999")
    assert {name: grants(name) for name in ROLE_NAMES} == before


def test_comms_editors_get_no_subscriber_data(home_page, django_user_model):
    setup_roles([home_page])
    editor = member_of(django_user_model, "Comms editors")

    assert not any(label.startswith("newsletter.") for label in codenames("Comms editors"))
    for model in SUBSCRIBER_MODELS:
        for action in ("add", "change", "delete", "view"):
            assert not editor.has_perm(f"newsletter.{action}_{model}")
    assert not editor.has_perm("newsletter.export_subscribers")
    assert not editor.has_perm("newsletter.import_subscribers")
    assert not editor.has_perm("newsletter.send_newsletter")


def test_each_role_has_exactly_its_permissions(home_page):
    setup_roles([home_page])

    crud = {f"{a}_{m}" for m in SUBSCRIBER_MODELS for a in ("add", "change", "delete", "view")}
    assert codenames("Audience managers") == {
        "wagtailadmin.access_admin",
        "newsletter.export_subscribers",
        "newsletter.import_subscribers",
        *(f"newsletter.{codename}" for codename in crud),
        *(f"advocacy.{a}_{m}" for m in ("signonrequest", "participation", "actionmessage")
          for a in ("add", "change", "delete", "view")),
    }  # fmt: skip
    assert codenames("Newsletter senders") == {
        "wagtailadmin.access_admin",
        "newsletter.send_newsletter",
        "newsletter.view_dispatch",
    }
    assert codenames("Comms editors") == {
        "wagtailadmin.access_admin",
        *(f"advocacy.{a}_{m}"
          for m in ("organisation", "donationappeal", "representative", "ridingarea")
          for a in ("add", "change", "delete", "view")),
    }  # fmt: skip
    editors = Group.objects.get(name="Comms editors")
    collection_grants = set(
        GroupCollectionPermission.objects.filter(group=editors).values_list(
            "collection__depth", "permission__codename"
        )
    )
    assert collection_grants == {
        (1, codename)
        for codename in (
            "add_image", "change_image", "choose_image",
            "add_document", "change_document", "choose_document",
        )
    }  # fmt: skip
    for name in ("Audience managers", "Newsletter senders"):
        group = Group.objects.get(name=name)
        assert not GroupPagePermission.objects.filter(group=group).exists()
        assert not GroupCollectionPermission.objects.filter(group=group).exists()


def test_a_model_contributed_through_the_hook_gets_its_permissions(home_page, django_user_model):
    def tags_for_senders():
        return {"Newsletter senders": ["taggit.Tag"]}

    with hooks.register_temporarily(ROLE_MODELS_HOOK, tags_for_senders):
        out = run("--pages", str(home_page.pk))
    sender = member_of(django_user_model, "Newsletter senders")

    for action in ("add", "change", "delete", "view"):
        assert sender.has_perm(f"taggit.{action}_tag")
    assert "taggit.Tag" in out.splitlines()[2]
    # Without the hook, a later run takes them away again (and says so).
    again = run("--pages", str(home_page.pk))
    assert "Removed the permissions taggit.add_tag" in again
    assert not any(label.startswith("taggit.") for label in codenames("Newsletter senders"))


@pytest.mark.parametrize(
    "contribution, error",
    [
        ({"Page editors": ["taggit.Tag"]}, "the role “Page editors”"),
        ({"Comms editors": ["nowhere.Nothing"]}, "“nowhere.Nothing”, which is not an installed"),
        ({"Comms editors": ["newsletter.Subscriber"]}, "must never have"),
    ],
)
def test_a_bad_hook_contribution_is_an_error(home_page, contribution, error):
    with (
        hooks.register_temporarily(ROLE_MODELS_HOOK, lambda: contribution),
        pytest.raises(CommandError, match=error),
    ):
        run("--pages", str(home_page.pk))
    assert not Group.objects.filter(name__in=ROLE_NAMES).exists()

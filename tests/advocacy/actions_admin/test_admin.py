"""The admin screens: representative snippets and CSV upload, postal areas, action results."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from advocacy.actions import admin_views
from advocacy.models import (
    ActionMessage,
    ActionPage,
    ActionTarget,
    Participation,
    Representative,
    RidingArea,
)

pytestmark = pytest.mark.django_db

REPS = (
    "name,role,email,province\n"
    "A One,Minister of X,a@example.org,ON\nB Two,Minister of Y,b@example.org,QC\n"
)


def upload(text: str, name: str = "file.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def action(newsroom) -> ActionPage:
    """A letter action to two ministers: 3 confirmed supporters (one of them wants the
    newsletter), 1 pending; 5 letters sent and 1 failed."""
    ministers = [
        Representative.objects.create(name="A One", role="Minister of X", email="a@example.org"),
        Representative.objects.create(name="B Two", role="Minister of Y", email="b@example.org"),
    ]
    page = newsroom.add_child(
        instance=ActionPage(
            title="Write to the ministers",
            slug="write-to-the-ministers",
            date=datetime.date(2024, 2, 22),
            kind=ActionPage.Kind.LETTER,
            letter_subject="Act now",
            letter_body="Dear Ministers,",
        )
    )
    ActionTarget.objects.bulk_create(
        ActionTarget(page=page, representative=rep, sort_order=i) for i, rep in enumerate(ministers)
    )
    page.save_revision().publish()
    now = timezone.now()
    for n in range(3):
        participation = Participation.objects.create(
            page=page,
            name=f"Supporter {n}",
            email=f"supporter{n}@example.org",
            postal_code="K1P 1A1",
            status=Participation.Status.CONFIRMED,
            confirmed_at=now,
            wants_newsletter=n == 0,
        )
        for rep in ministers:
            failed = n == 2 and rep is ministers[1]
            ActionMessage.objects.create(
                participation=participation,
                representative=rep,
                recipient_name=rep.name,
                recipient_email=rep.email,
                status=ActionMessage.Status.FAILED if failed else ActionMessage.Status.SENT,
            )
    Participation.objects.create(page=page, name="Waiting", email="waiting@example.org")
    return page


# --- representatives ---------------------------------------------------------------------------


def test_representatives_are_listed_with_an_import_button(admin_client):
    Representative.objects.create(
        name="Yasir Naqvi", role="Member of Parliament", riding="Ottawa Centre",
        province="ON", party="Liberal", email="yn@example.org",
    )  # fmt: skip
    response = admin_client.get(reverse("wagtailsnippets_advocacy_representative:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Yasir Naqvi" in html and "Ottawa Centre" in html and "Liberal" in html
    assert reverse("advocacy_import_representatives") in html and "Import CSV" in html

    filtered = admin_client.get(
        reverse("wagtailsnippets_advocacy_representative:list"), {"province": "QC"}
    )
    assert "Yasir Naqvi" not in filtered.content.decode()
    found = admin_client.get(
        reverse("wagtailsnippets_advocacy_representative:list"), {"q": "ottawa"}
    )
    assert "Yasir Naqvi" in found.content.decode()


def test_uploading_representatives_shows_the_summary(admin_client):
    response = admin_client.post(reverse("advocacy_import_representatives"), {"file": upload(REPS)})
    assert response.status_code == 200
    assert "2 rows: 2 added, 0 updated, 0 unchanged." in response.content.decode()
    assert Representative.objects.count() == 2


def test_a_bad_upload_lists_each_line_and_imports_nothing(admin_client):
    bad = REPS + "C Three,Minister of Z,not-an-address,ON\nD Four,,d@example.org,ON\n"
    response = admin_client.post(reverse("advocacy_import_representatives"), {"file": upload(bad)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "2 problems found: nothing was imported" in html
    assert "line 4: “not-an-address” is not a valid email address" in html
    assert "line 5: the role is missing" in html
    assert not Representative.objects.exists()


def test_an_oversized_upload_is_refused_with_the_limit(admin_client, monkeypatch):
    monkeypatch.setattr(admin_views, "MAX_UPLOAD_BYTES", 20)
    response = admin_client.post(reverse("advocacy_import_representatives"), {"file": upload(REPS)})
    html = response.content.decode()
    assert response.status_code in (400, 413)
    assert "the limit is 20\xa0bytes" in html or "larger than the 20\xa0bytes limit" in html
    assert not Representative.objects.exists()


def test_uploads_need_the_add_permission(client, comms_editor):
    client.force_login(comms_editor)  # before roles gave Comms editors representatives
    comms_editor.groups.clear()
    comms_editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    assert client.get(reverse("advocacy_import_representatives")).status_code == 403
    assert client.get(reverse("advocacy_postal_areas")).status_code == 403


def test_adding_alone_is_not_enough_to_import(client, comms_editor):
    """An import changes representatives and an upload replaces the postal-area table: a
    group given only the "add" permissions can't run them."""
    comms_editor.groups.clear()
    comms_editor.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "add_representative", "add_ridingarea"]
        )
    )
    client.force_login(comms_editor)
    assert client.get(reverse("advocacy_import_representatives")).status_code == 403
    assert client.get(reverse("advocacy_postal_areas")).status_code == 403


# --- postal areas -------------------------------------------------------------------------------


def test_postal_areas_show_the_counts_and_replace_the_table(admin_client):
    RidingArea.objects.create(fsa="Z9Z", riding="Old")
    page = admin_client.get(reverse("advocacy_postal_areas"))
    assert page.status_code == 200
    assert "The table has 1 row: 1 postal areas in 1 ridings." in page.content.decode()

    text = "FSA,Riding\nK1P,Ottawa Centre\nK1R,Ottawa Centre\nH2G,Outremont\n"
    response = admin_client.post(reverse("advocacy_postal_areas"), {"file": upload(text)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "now has 3 rows for 2 ridings (it had 1 rows)" in html
    assert "The table has 3 rows: 3 postal areas in 2 ridings." in html
    assert "2 ridings have no representative yet" in html
    assert not RidingArea.objects.filter(fsa="Z9Z").exists()


def test_a_bad_postal_area_upload_changes_nothing(admin_client):
    RidingArea.objects.create(fsa="K1P", riding="Ottawa Centre")
    response = admin_client.post(
        reverse("advocacy_postal_areas"), {"file": upload("fsa,riding\nK1R,Ottawa\nXXX,Y\n")}
    )
    assert response.status_code == 400
    assert "line 3: “XXX” is not a postal area" in response.content.decode()
    assert list(RidingArea.objects.values_list("fsa", flat=True)) == ["K1P"]


# --- results --------------------------------------------------------------------------------


def test_results_show_the_live_counts(admin_client, action):
    index = admin_client.get(reverse("advocacy_action_results"))
    assert index.status_code == 200
    assert "Write to the ministers" in index.content.decode()

    response = admin_client.get(reverse("advocacy_action_result", args=[action.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<dd data-count="confirmed">3</dd>' in html
    assert '<dd data-count="pending">1</dd>' in html
    assert "<tr><td>A One</td><td>3</td><td>0</td><td>0</td></tr>" in html
    assert "<tr><td>B Two</td><td>2</td><td>1</td><td>0</td></tr>" in html
    assert reverse("advocacy_action_participants", args=[action.pk]) in html


def test_a_petition_shows_signatures_toward_the_goal(admin_client, action):
    ActionPage.objects.filter(pk=action.pk).update(kind=ActionPage.Kind.PETITION, goal=12)
    html = admin_client.get(reverse("advocacy_action_result", args=[action.pk])).content.decode()
    assert "3 of 12 (25%)" in html


def test_editors_see_counts_but_not_the_participants(client, comms_editor, action):
    client.force_login(comms_editor)
    response = client.get(reverse("advocacy_action_result", args=[action.pk]))
    assert response.status_code == 200
    assert '<dd data-count="confirmed">3</dd>' in response.content.decode()
    assert "supporter0@example.org" not in response.content.decode()
    assert (
        reverse("advocacy_action_participants", args=[action.pk]) not in response.content.decode()
    )
    for name in ("advocacy_action_participants", "advocacy_action_participants_csv"):
        refused = client.get(reverse(name, args=[action.pk]))
        assert refused.status_code == 403
        assert "supporter0@example.org" not in refused.content.decode()


def test_someone_who_cannot_edit_the_page_sees_no_counts(client, django_user_model, action):
    user = django_user_model.objects.create_user("viewer", "viewer@example.org", "pw-viewer-1")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get(reverse("advocacy_action_result", args=[action.pk])).status_code == 403
    assert (
        "Write to the ministers"
        not in client.get(reverse("advocacy_action_results")).content.decode()
    )


def test_audience_managers_see_the_participants(client, roles, django_user_model, action):
    user = django_user_model.objects.create_user("audience", "aud@example.org", "pw-aud-1")
    user.groups.add(Group.objects.get(name="Audience managers"))
    client.force_login(user)
    response = client.get(reverse("advocacy_action_participants", args=[action.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "supporter0@example.org" in html and "waiting@example.org" in html
    pending = client.get(
        reverse("advocacy_action_participants", args=[action.pk]), {"status": "pending"}
    )
    assert "supporter0@example.org" not in pending.content.decode()


def test_the_participant_export(admin_client, action):
    response = admin_client.get(reverse("advocacy_action_participants_csv", args=[action.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "participants-write-to-the-ministers-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "name",
        "email",
        "postal_code",
        "status",
        "confirmed_at",
        "newsletter_consent",
    ]
    assert rows[1][:4] == ["Supporter 0", "supporter0@example.org", "K1P 1A1", "confirmed"]
    assert rows[1][4] and rows[1][5] == "yes"
    assert rows[4] == ["Waiting", "waiting@example.org", "", "pending", "", "no"]
    assert len(rows) == 5


def test_the_action_page_has_a_results_button(admin_client, action):
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[action.pk])).content.decode()
    assert reverse("advocacy_action_result", args=[action.pk]) in html


def test_the_menus_offer_results_and_postal_areas(admin_client):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("advocacy_action_results") in html
    assert reverse("advocacy_postal_areas") in html
    assert reverse("wagtailsnippets_advocacy_representative:list") in html


def test_failed_letters_can_be_sent_again_from_the_results(admin_client, action, mailgun):
    """Over real HTTP to the loopback Mailgun: the one failed letter goes, nothing else does."""
    page = reverse("advocacy_action_result", args=[action.pk])
    html = admin_client.get(page).content.decode()
    assert "1 letter could not be sent" in html
    retry = reverse("advocacy_action_retry", args=[action.pk])
    assert admin_client.get(retry).status_code == 405  # a GET changes nothing

    response = admin_client.post(retry, follow=True)

    assert "being sent again" in response.content.decode()
    assert mailgun.delivery_counts().get("b@example.org") == 1  # the failed one
    assert "a@example.org" not in mailgun.delivery_counts()  # sent ones are not sent again
    assert not ActionMessage.objects.filter(status=ActionMessage.Status.FAILED).exists()
    assert "could not be sent" not in admin_client.get(page).content.decode()


def test_sending_again_needs_the_page(client, django_user_model, action):
    user = django_user_model.objects.create_user("someone", password="pw-12345678")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.post(reverse("advocacy_action_retry", args=[action.pk]))
    assert response.status_code == 403
    assert ActionMessage.objects.filter(status=ActionMessage.Status.FAILED).count() == 1

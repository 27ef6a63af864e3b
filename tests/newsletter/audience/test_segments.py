"""Saved segments: each filter narrows the list's active members; the count leaves out
suppressed addresses; the Segment admin and the subscriber list's tags and province."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from taggit.models import Tag

from newsletter.audience.segments import segment_count, segment_members
from newsletter.models import MailingList, Segment, Subscriber, Subscription, Suppression

pytestmark = pytest.mark.django_db

Source = Subscription.Source
ConsentType = Subscription.ConsentType


def person(
    email: str,
    mailing_list: MailingList,
    *,
    language: str = "en",
    province: str = "",
    source: str = Source.FORM,
    consent_type: str = ConsentType.EXPRESS,
    consented_at: datetime.datetime | None = None,
    status: str = Subscription.Status.ACTIVE,
    tags: tuple[str, ...] = (),
) -> Subscriber:
    """A subscriber with one subscription to ``mailing_list``."""
    subscriber = Subscriber.objects.create(email=email, language=language, province=province)
    Subscription.objects.create(
        subscriber=subscriber,
        mailing_list=mailing_list,
        status=status,
        source=source,
        consent_type=consent_type,
        consented_at=consented_at or timezone.now(),
    )
    if tags:
        subscriber.tags.add(*tags)
    return subscriber


def members(segment: Segment) -> list[str]:
    return sorted(s.email for s in segment_members(segment))


def segment(mailing_list: MailingList, tags: tuple[str, ...] = (), **filters) -> Segment:
    saved = Segment.objects.create(name="Part", mailing_list=mailing_list, **filters)
    if tags:
        saved.tags.set(Tag.objects.filter(name__in=tags))
    return Segment.objects.get(pk=saved.pk)  # as the freeze reads it


def test_without_filters_a_segment_is_the_lists_active_members(supporters, board_list):
    person("a@example.org", supporters)
    person("pending@example.org", supporters, status=Subscription.Status.PENDING)
    person("left@example.org", supporters, status=Subscription.Status.UNSUBSCRIBED)
    person("board@example.org", board_list)

    assert members(segment(supporters)) == ["a@example.org"]


def test_language_narrows(supporters):
    person("en@example.org", supporters)
    person("fr@example.org", supporters, language="fr")

    assert members(segment(supporters, language="fr")) == ["fr@example.org"]


def test_province_narrows_ignoring_case(supporters):
    person("qc@example.org", supporters, province="QC")
    person("qc2@example.org", supporters, province="qc")
    person("on@example.org", supporters, province="ON")
    person("none@example.org", supporters)

    assert members(segment(supporters, province=" Qc ")) == ["qc2@example.org", "qc@example.org"]


def test_tags_match_any_of_them(supporters):
    person("donor@example.org", supporters, tags=("donor",))
    person("volunteer@example.org", supporters, tags=("volunteer", "montreal"))
    person("both@example.org", supporters, tags=("donor", "volunteer"))
    person("other@example.org", supporters, tags=("press",))
    person("untagged@example.org", supporters)

    chosen = segment(supporters, tags=("donor", "volunteer"))

    assert members(chosen) == ["both@example.org", "donor@example.org", "volunteer@example.org"]
    assert segment_count(chosen) == 3  # "both" counted once


def test_source_and_consent_kind_are_those_of_the_subscription_to_the_list(supporters, board_list):
    imported = person("imported@example.org", supporters, source=Source.IMPORT)
    person("form@example.org", supporters)
    # Joined the board list by import, Supporters by the form: not an imported supporter.
    joined_by_form = person("mixed@example.org", supporters)
    Subscription.objects.create(
        subscriber=joined_by_form,
        mailing_list=board_list,
        status=Subscription.Status.ACTIVE,
        source=Source.IMPORT,
        consent_type=ConsentType.IMPLIED,
    )
    person("implied@example.org", supporters, consent_type=ConsentType.IMPLIED)

    assert members(segment(supporters, source=Source.IMPORT)) == [imported.email]
    assert members(segment(supporters, consent_type=ConsentType.IMPLIED)) == ["implied@example.org"]


def test_signed_up_dates_are_inclusive_days(supporters):
    def on(day: str) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.fromisoformat(day))

    person("march@example.org", supporters, consented_at=on("2025-03-01T00:05"))
    person("april@example.org", supporters, consented_at=on("2025-04-30T23:55"))
    person("may@example.org", supporters, consented_at=on("2025-05-01T00:00"))
    person("feb@example.org", supporters, consented_at=on("2025-02-28T23:59"))

    spring = segment(
        supporters,
        signed_up_after=datetime.date(2025, 3, 1),
        signed_up_before=datetime.date(2025, 4, 30),
    )
    since_april = segment(supporters, signed_up_after=datetime.date(2025, 4, 1))

    assert members(spring) == ["april@example.org", "march@example.org"]
    assert members(since_april) == ["april@example.org", "may@example.org"]


def test_lapsed_implied_consent_is_not_a_member(supporters):
    three_years_ago = timezone.now() - datetime.timedelta(days=3 * 365)
    person("old@example.org", supporters, consent_type=ConsentType.IMPLIED,
           consented_at=three_years_ago)  # fmt: skip
    person("recent@example.org", supporters, consent_type=ConsentType.IMPLIED)

    assert members(segment(supporters)) == ["recent@example.org"]


def test_filters_combine_and_the_count_leaves_out_suppressed_and_sunset_readers(supporters):
    person("fr-qc@example.org", supporters, language="fr", province="QC", tags=("donor",))
    person("fr-qc-untagged@example.org", supporters, language="fr", province="QC")
    person("en-qc@example.org", supporters, province="QC", tags=("donor",))
    person("bounced@example.org", supporters, language="fr", province="QC", tags=("donor",))
    asleep = person("asleep@example.org", supporters, language="fr", province="QC",
                    tags=("donor",))  # fmt: skip
    Suppression.objects.create(email="bounced@example.org", reason="hard_bounce")
    Subscriber.objects.filter(pk=asleep.pk).update(sunset_at=timezone.now())

    chosen = segment(supporters, tags=("donor",), language="fr", province="QC")

    assert members(chosen) == ["asleep@example.org", "bounced@example.org", "fr-qc@example.org"]
    assert segment_count(chosen) == 1  # what a send reaches by default
    assert segment_count(chosen, include_sunset=True) == 2


# --- the admin --------------------------------------------------------------------------------


@pytest.fixture
def segment_manager(audience_manager):
    """An audience manager who may manage segments (see the report: the role should give it)."""
    audience_manager.user_permissions.add(
        *Permission.objects.filter(
            content_type__model="segment", content_type__app_label="newsletter"
        )
    )
    return audience_manager


def test_the_segment_admin_is_403_for_a_page_editor(client, comms_editor, supporters):
    segment(supporters, language="fr")
    client.force_login(comms_editor)

    for url in ("/admin/newsletter/segment/", "/admin/newsletter/segment/create/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Audience managers" in response.content.decode()


def test_the_segment_admin_lists_segments_with_who_would_receive_a_send(
    client, segment_manager, supporters
):
    person("fr@example.org", supporters, language="fr")
    person("fr2@example.org", supporters, language="fr")
    person("en@example.org", supporters)
    Segment.objects.create(name="Francophones", mailing_list=supporters, language="fr")
    client.force_login(segment_manager)

    html = client.get("/admin/newsletter/segment/").content.decode()

    assert "Francophones" in html and "Supporters" in html
    assert "Would receive a send now" in html
    assert re.search(r'<td class="field-reach[^"]*">\s*2\s*</td>', html)


def test_a_segment_is_created_in_the_admin_with_tags(client, segment_manager, supporters):
    person("donor@example.org", supporters, tags=("donor",))
    person("other@example.org", supporters)
    donor = Tag.objects.get(name="donor")
    client.force_login(segment_manager)

    response = client.post(
        "/admin/newsletter/segment/create/",
        {"name": "Donors", "mailing_list": supporters.pk, "tags": [donor.pk]},
    )

    assert response.status_code == 302
    created = Segment.objects.get(name="Donors")
    assert members(created) == ["donor@example.org"]


def test_the_subscriber_list_shows_province_and_tags_and_filters_by_tag(
    client, audience_manager, supporters
):
    person("donor@example.org", supporters, province="QC", tags=("donor", "volunteer"))
    person("other@example.org", supporters, province="ON")
    client.force_login(audience_manager)

    listing = client.get("/admin/newsletter/subscriber/").content.decode()
    filtered = client.get("/admin/newsletter/subscriber/?tag=donor").content.decode()
    inspect = client.get(
        f"/admin/newsletter/subscriber/inspect/{Subscriber.objects.get(province='QC').pk}/"
    ).content.decode()

    assert "donor, volunteer" in listing and "QC" in listing and "ON" in listing
    assert "donor@example.org" in filtered and "other@example.org" not in filtered
    assert "donor, volunteer" in inspect and "QC" in inspect

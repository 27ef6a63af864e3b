"""CSV import of the optional tags and province columns: set on new subscribers, added to
existing ones (their tags kept), bad values reported by line like any bad row."""

from __future__ import annotations

import io

import pytest

from newsletter.audience import subscriptions
from newsletter.audience.importing import import_subscribers
from newsletter.models import Subscriber, Subscription

pytestmark = pytest.mark.django_db


def run(mailing_list, text: str, **options):
    return import_subscribers(
        io.StringIO(text),
        mailing_list=mailing_list,
        consent_type="express",
        source="Rally",
        imported_by="test",
        **options,
    )


def tags_of(email: str) -> list[str]:
    return sorted(Subscriber.objects.get(email=email).tags.names())


def test_tags_and_province_are_set_on_new_subscribers(supporters):
    report = run(
        supporters,
        "email,name,province,tags\n"
        'ada@example.org,Ada,QC,"donor; volunteer"\n'
        'grace@example.org,Grace,ON,"donor,Montréal event"\n'
        "plain@example.org,Plain,,\n",
    )

    assert report.imported == 3 and report.invalid == 0
    assert tags_of("ada@example.org") == ["donor", "volunteer"]
    assert tags_of("grace@example.org") == ["Montréal event", "donor"]
    assert tags_of("plain@example.org") == []
    assert Subscriber.objects.get(email="ada@example.org").province == "QC"
    assert Subscriber.objects.get(email="plain@example.org").province == ""


def test_tags_are_added_to_existing_subscribers_and_kept(supporters, board_list):
    subscriptions.subscribe("ada@example.org", board_list, subscriptions.ConsentRecord(),
                            require_confirmation=False)  # fmt: skip
    subscriptions.subscribe("on@example.org", supporters, subscriptions.ConsentRecord(),
                            require_confirmation=False)  # fmt: skip
    ada = Subscriber.objects.get(email="ada@example.org")
    ada.tags.add("press")
    Subscriber.objects.filter(email="ada@example.org").update(province="ON")

    report = run(
        supporters,
        "email,province,tags\n"
        "ada@example.org,QC,Donor;press\n"  # new to Supporters
        "on@example.org,QC,donor\n",  # already on Supporters: skipped, tagged all the same
    )

    assert report.imported == 1 and report.skipped == 1
    assert report.tagged_already_on_list == 1
    assert "Tags added to 1 already on the list." in report.summary()
    assert tags_of("ada@example.org") == ["Donor", "press"]  # "press" kept, not doubled
    assert tags_of("on@example.org") == ["Donor"]  # the tag as first written is reused
    assert Subscriber.objects.get(email="ada@example.org").province == "ON"  # kept
    assert Subscriber.objects.get(email="on@example.org").province == "QC"  # had none


def test_bad_tags_and_provinces_are_reported_by_line_and_the_rest_imported(supporters):
    report = run(
        supporters,
        "email,province,tags\n"
        f"long@example.org,QC,{'x' * 101}\n"
        f"far@example.org,{'P' * 41},donor\n"
        "good@example.org,QC,donor\n",
    )

    assert report.imported == 1 and report.invalid == 2
    reasons = [str(issue) for issue in report.issues]
    assert reasons == [
        "line 2: long@example.org — The tag is too long (at most 100 characters).",
        "line 3: far@example.org — The province is too long (at most 40 characters).",
    ]
    assert Subscription.objects.get().subscriber.email == "good@example.org"


def test_a_dry_run_creates_no_tag(supporters):
    from taggit.models import Tag

    report = run(supporters, "email,tags\nada@example.org,donor\n", dry_run=True)

    assert report.imported == 1
    assert not Tag.objects.exists() and not Subscriber.objects.exists()


def test_tag_writes_grow_with_batches_not_rows(supporters):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(rows: int, start: int) -> int:
        body = "".join(
            f"user{n}@example.org,{'QC' if n % 2 else 'ON'},donor;group{n % 3}\n"
            for n in range(start, start + rows)
        )
        with CaptureQueriesContext(connection) as captured:
            report = run(supporters, "email,province,tags\n" + body, batch_size=500)
        assert report.imported == rows
        return len(captured)

    one_batch = queries_for(500, 0)
    four_batches = queries_for(2000, 500)

    assert one_batch < 60  # a few bulk statements, not one per row
    assert four_batches <= 4 * one_batch
    assert Subscriber.objects.filter(tags__name="donor").count() == 2500


def test_the_admin_upload_page_names_the_optional_columns(client, audience_manager):
    client.force_login(audience_manager)

    html = client.get("/admin/newsletter/subscriber/import/").content.decode()

    assert "<code>tags</code>" in html and "<code>province</code>" in html

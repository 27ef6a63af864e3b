"""CSV import: the command, the admin upload, bad/duplicate/suppressed rows, and 100,000 rows
in constant memory."""

from __future__ import annotations

import datetime
import io
import time
import tracemalloc
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from newsletter.audience import subscriptions
from newsletter.audience.importing import import_subscribers
from newsletter.models import ImportRun, MailingList, Subscriber, Subscription, Suppression


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def run_import(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("newsletter_import_subscribers", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


MIXED = """email,name,language
ada@example.org,Ada Lovelace,en
not-an-address,Nobody,en
GRACE@example.org,Grace Hopper,fr
ada@example.org,Ada again,en
bounced@example.org,Bounce,en
,No address,en
left@example.org,Left before,en
active@example.org,Already here,en
lang@example.org,Wrong language,de

margaret@example.org,"Hamilton, Margaret",
"""


@pytest.fixture
def prepared(supporters):
    """A bounced address, someone who left the list, and someone already on it."""
    subscriptions.suppress("bounced@example.org", Suppression.Reason.HARD_BOUNCE)
    subscriptions.subscribe(
        "left@example.org", supporters, subscriptions.ConsentRecord(), require_confirmation=False
    )
    subscriptions.unsubscribe(
        Subscriber.objects.get(email="left@example.org"),
        supporters,
        how=Subscription.EndedHow.ONE_CLICK,
    )
    subscriptions.subscribe(
        "active@example.org", supporters, subscriptions.ConsentRecord(), require_confirmation=False
    )
    return supporters


def test_import_reports_every_bad_row_with_its_line_and_imports_the_rest(tmp_path, prepared):
    path = write_csv(tmp_path / "people.csv", MIXED)
    out, err = run_import(
        path, "--list", "supporters", "--consent", "express", "--source", "Petition May 2026"
    )

    assert "12 rows" not in out  # the blank line is not a row
    assert "10 rows: 3 imported, 4 skipped, 3 invalid." in out
    assert "line 3: not-an-address — invalid email address" in err
    assert "line 5: ada@example.org — duplicate: same address as line 2" in err
    assert "line 6: bounced@example.org — suppressed: hard bounce" in err
    assert "line 7: — no email address" in err
    assert "line 8: left@example.org — unsubscribed: left this list before" in err
    assert "line 9: active@example.org — already on the list" in err
    assert "line 10: lang@example.org — language must be en or fr" in err

    imported = Subscription.objects.filter(source=Subscription.Source.IMPORT)
    assert sorted(imported.values_list("subscriber__email", flat=True)) == [
        "ada@example.org",
        "grace@example.org",
        "margaret@example.org",
    ]
    grace = Subscriber.objects.get(email="grace@example.org")
    assert (grace.name, grace.language) == ("Grace Hopper", "fr")
    assert Subscriber.objects.get(email="margaret@example.org").name == "Hamilton, Margaret"
    record = imported.first()
    assert record.status == Subscription.Status.ACTIVE
    assert record.consent_type == Subscription.ConsentType.EXPRESS
    assert record.source_detail == "Petition May 2026"
    assert record.imported_by.endswith("(command line)")
    assert record.import_run.file_name == "people.csv"
    assert not Subscriber.objects.filter(email="bounced@example.org").exists()
    assert subscriptions.audience_count(prepared) == 4  # 3 imported + the one already active


def test_dry_run_reports_the_same_and_changes_nothing(tmp_path, prepared):
    path = write_csv(tmp_path / "people.csv", MIXED)
    out, err = run_import(
        path, "--list", "supporters", "--consent", "implied", "--source", "Donors", "--dry-run"
    )
    assert out.startswith("Dry run, nothing changed. 10 rows: 3 would be imported")
    assert "duplicate: same address as line 2" in err
    assert not Subscription.objects.filter(source=Subscription.Source.IMPORT).exists()
    assert not ImportRun.objects.exists()


def test_running_the_same_import_twice_adds_nobody_and_exits_non_zero(tmp_path, supporters):
    path = write_csv(tmp_path / "a.csv", "email\na@example.org\nb@example.org\n")
    run_import(path, "--list", "supporters", "--consent", "express", "--source", "x")
    with pytest.raises(CommandError, match="Nothing could be imported"):
        run_import(path, "--list", "supporters", "--consent", "express", "--source", "x")
    assert Subscription.objects.count() == 2


def test_a_file_with_only_bad_rows_exits_non_zero(tmp_path, supporters):
    path = write_csv(tmp_path / "bad.csv", "email\nnope\nalso nope\n")
    with pytest.raises(CommandError, match="Nothing could be imported"):
        run_import(path, "--list", "supporters", "--consent", "express", "--source", "x")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,language\nAda,en\n", "including “email”"),
        (b"", "The file is empty"),
        (b"email\nada@example.org\nr\xe9my@example.org\n", "Line 3: the file is not UTF-8"),
    ],
)
def test_unusable_files_are_refused_with_a_clear_reason(tmp_path, supporters, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run_import(path, "--list", "supporters", "--consent", "express", "--source", "x")
    assert not Subscription.objects.exists()


def test_unknown_list_is_refused(tmp_path, supporters):
    path = write_csv(tmp_path / "a.csv", "email\na@example.org\n")
    with pytest.raises(CommandError, match="No list with slug “nope”"):
        run_import(path, "--list", "nope", "--consent", "express", "--source", "x")


def test_implied_consent_dates_come_from_the_file(tmp_path, supporters):
    today = timezone.localdate()
    recent = (today - datetime.timedelta(days=100)).isoformat()
    lapsed = (today - datetime.timedelta(days=800)).isoformat()
    future = (today + datetime.timedelta(days=3)).isoformat()
    path = write_csv(
        tmp_path / "donors.csv",
        "Email,Name,consented_at\n"
        f"recent@example.org,R,{recent}\n"
        f"lapsed@example.org,L,{lapsed}\n"
        f"future@example.org,F,{future}\n"
        "bad@example.org,B,last tuesday\n",
    )
    out, err = run_import(
        path, "--list", "supporters", "--consent", "implied", "--source", "Donors 2025"
    )
    assert "1 imported" in out
    assert "lapsed@example.org — implied consent from" in err and "has lapsed" in err
    assert "future@example.org — consented_at is in the future" in err
    assert "bad@example.org — consented_at must be a date" in err
    record = Subscription.objects.get()
    assert timezone.localtime(record.consented_at).date().isoformat() == recent


def test_queries_grow_with_batches_not_rows(supporters):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(rows: int, start: int) -> int:
        body = "".join(f"user{n}@example.org,User {n}\n" for n in range(start, start + rows))
        with CaptureQueriesContext(connection) as captured:
            report = import_subscribers(
                io.StringIO("email,name\n" + body),
                mailing_list=supporters,
                consent_type="express",
                source="test",
                imported_by="test",
                batch_size=1000,
            )
        assert report.imported == rows
        return len(captured)

    one_batch = queries_for(1000, 0)
    four_batches = queries_for(4000, 1000)
    assert one_batch < 50  # a handful of bulk statements, not one per row
    assert four_batches <= 4 * one_batch


def test_admin_upload_imports_and_reports(client, audience_manager, prepared):
    client.force_login(audience_manager)
    upload = io.BytesIO(("\ufeff" + MIXED).encode("utf-8"))  # Excel's BOM is fine
    upload.name = "people.csv"
    response = client.post(
        "/admin/newsletter/subscriber/import/",
        {"file": upload, "mailing_list": prepared.pk, "consent": "express", "source": "Rally"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "10 rows: 3 imported, 4 skipped, 3 invalid." in html
    assert "duplicate: same address as line 2" in html
    assert Subscription.objects.filter(imported_by="aud", source_detail="Rally").count() == 3


def test_admin_upload_refuses_files_over_the_limit(client, audience_manager, supporters, settings):
    settings.NEWSLETTER_IMPORT_MAX_UPLOAD_SIZE = 100
    client.force_login(audience_manager)
    upload = io.BytesIO(b"email\n" + b"someone@example.org\n" * 20)
    upload.name = "big.csv"
    response = client.post(
        "/admin/newsletter/subscriber/import/",
        {"file": upload, "mailing_list": supporters.pk, "consent": "express", "source": "x"},
    )
    html = response.content.decode()
    assert "the limit is 100" in html and "Split it" in html
    assert not Subscription.objects.exists()


def _write_big_csv(path: Path, rows: int) -> int:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("email,name,language\n")
        for n in range(rows):
            handle.write(f"person{n:06d}@example.org,Person number {n},{'fr' if n % 3 else 'en'}\n")
    return path.stat().st_size


def test_100k_rows_import_in_constant_memory(tmp_path, supporters, capsys):
    path = tmp_path / "big.csv"
    size = _write_big_csv(path, 100_000)
    assert size > 4_000_000

    tracemalloc.start()
    started = time.perf_counter()
    out, _ = run_import(
        path, "--list", "supporters", "--consent", "express", "--source", "Big export"
    )
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert "100000 rows: 100000 imported" in out
    assert Subscription.objects.filter(mailing_list=supporters).count() == 100_000
    # Constant memory: a few batches' worth, far below the file (which is never read whole).
    assert peak < size / 2, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"
    with capsys.disabled():
        print(
            f"\n[import] 100,000 rows, {size / 1e6:.1f} MB file: {elapsed:.1f} s "
            f"(under tracemalloc), peak traced memory {peak / 1e6:.2f} MB"
        )


def test_manual_lists_and_imports_keep_existing_names(tmp_path, supporters):
    other = MailingList.objects.create(name="Other", slug="other")
    Subscriber.objects.create(email="ada@example.org", name="Ada L.", language="fr")
    path = write_csv(tmp_path / "a.csv", "email,name,language\nada@example.org,Someone,en\n")
    run_import(path, "--list", "other", "--consent", "express", "--source", "x")
    ada = Subscriber.objects.get()
    assert (ada.name, ada.language) == ("Ada L.", "fr")
    assert ada.subscriptions.get().mailing_list == other

"""The demo's supporter actions, from ``data/actions.toml``: a sign-on copy of the open letter
with requests waiting for moderation, a letter to three ministers, a petition, a letter to
MPs found by postal code (with a small postal-area table), and a campaign result showing the
letter action's live count. Idempotent like the rest of the demo: found by slug, email or
key, created when missing; the demo supporters are written in bulk.
"""

from __future__ import annotations

import datetime
import tomllib
from functools import cache
from typing import Any

from django.utils import timezone

from advocacy.models import (
    ActionMessage,
    ActionPage,
    ActionTarget,
    CampaignWinPage,
    LetterSignatory,
    NewsroomPage,
    OpenLetterPage,
    Participation,
    Representative,
    RidingArea,
    SignOnRequest,
)
from advocacy.models.actions import riding_key
from home.demo import DemoContentError
from home.demo.blocks import rich
from home.demo.datafiles import DATA_DIR, fold, shown
from home.demo.organisations import organisation_named
from home.demo.pages import letter_values
from home.demo.upsert import CREATED, EXISTING, UPDATED, Tally, _assign, upsert_page
from newsletter.models import MailingList

ACTIONS_FILE = "actions.toml"
MP_ROLE = "Member of Parliament"
UNFOLDED = {"letter_body"}  # kept as written: paragraphs separated by blank lines


@cache
def data() -> dict[str, Any]:
    """``actions.toml``, parsed; text folded to one line except the letters' bodies."""
    try:
        with (DATA_DIR / ACTIONS_FILE).open("rb") as file:
            raw = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise DemoContentError(f"{shown(ACTIONS_FILE)}: {error}") from error

    def folded(table: dict) -> dict:
        return {k: v.strip() if k in UNFOLDED else fold(v) for k, v in table.items()}

    return {
        key: [folded(t) for t in value] if isinstance(value, list) else folded(value)
        for key, value in raw.items()
    }


def _section(name: str) -> Any:
    section = data().get(name)
    if section is None:
        raise DemoContentError(f"{shown(ACTIONS_FILE)}: [{name}] is missing")
    return section


def _intro(paragraphs: list[str]) -> list[dict]:
    return [{"type": "paragraph", "value": rich(text)} for text in paragraphs]


# --- representatives and the postal-area table ----------------------------------------------


def upsert_representative(values: dict[str, str], tally: Tally) -> Representative:
    """The representative with this email and role, created or brought up to date."""
    rep = Representative.objects.filter(email=values["email"], role=values["role"]).first()
    if rep is None:
        rep = Representative.objects.create(**values)
        tally.add("representatives", CREATED, label=rep.name)
    elif _assign(rep, values):
        rep.save()
        tally.add("representatives", UPDATED, label=rep.name)
    else:
        tally.add("representatives", EXISTING)
    return rep


def load_representatives(tally: Tally) -> tuple[list[Representative], list[Representative]]:
    """The three ministers, and the members of Parliament with their postal areas."""
    ministers = [upsert_representative(spec, tally) for spec in _section("minister")]
    mps = []
    for spec in _section("mp"):
        values = {k: spec[k] for k in ("name", "riding", "province", "email")}
        mps.append(upsert_representative({**values, "role": MP_ROLE}, tally))
        for fsa in spec["fsas"]:
            _area, created = RidingArea.objects.get_or_create(
                fsa=fsa, riding_key=riding_key(spec["riding"]), defaults={"riding": spec["riding"]}
            )
            tally.add("postal_areas", CREATED if created else EXISTING)
    return ministers, mps


# --- the sign-on copy of the open letter ----------------------------------------------------


def load_sign_on_letter(
    newsroom: NewsroomPage, appeals: dict, mailing_list: MailingList, tally: Tally
) -> OpenLetterPage:
    """A second copy of the open letter that takes signatures, with a few signatories and
    requests waiting in the moderation queue."""
    spec = _section("sign_on_letter")
    wanted = [organisation_named(name, tally).pk for name in spec["signatories"]]

    def sync_signatories(page: OpenLetterPage) -> bool:
        current = list(
            LetterSignatory.objects.filter(page=page)
            .order_by("sort_order", "pk")
            .values_list("organisation_id", flat=True)
        )
        if current[: len(wanted)] == wanted:
            return False  # approved requests may have added more at the end: keep them
        page.signatories = [
            LetterSignatory(organisation_id=pk, sort_order=i) for i, pk in enumerate(wanted)
        ]
        return True

    values = {
        **letter_values(appeals),
        "title": spec["title"],
        "summary": spec["summary"],
        "lead_signatory_id": wanted[0],
        "accepts_signatures": True,
        "signatures_close_on": None,
        "sign_on_mailing_list_id": mailing_list.pk,
    }
    letter = upsert_page(
        newsroom, OpenLetterPage, spec["slug"], values, tally, "open_letters",
        extra=sync_signatories,
    )  # fmt: skip
    for request in _section("sign_on_request"):
        load_sign_on_request(letter, request, tally)
    return letter


def load_sign_on_request(letter: OpenLetterPage, spec: dict, tally: Tally) -> None:
    """A confirmed request, waiting for a moderator (left alone once it exists: a moderator
    may have decided it)."""
    if SignOnRequest.objects.filter(letter=letter, contact_email=spec["contact_email"]).exists():
        tally.add("sign_on_requests", EXISTING)
        return
    now = timezone.now()
    SignOnRequest.objects.create(
        letter=letter,
        authorised=True,
        status=SignOnRequest.Status.CONFIRMED,
        confirmed_at=now,
        confirmation_sent_at=now,
        **spec,
    )
    tally.add("sign_on_requests", CREATED, label=spec["organisation_name"])


# --- actions and their demo supporters --------------------------------------------------------


def _action_values(spec: dict, kind: str, **extra: Any) -> dict:
    return {
        "title": spec["title"],
        "date": spec["date"],
        "date_precision": spec.get("date_precision", "day"),
        "summary": spec["summary"],
        "kind": kind,
        "intro": _intro(spec["intro"]),
        "accepting": True,
        "thank_you": spec.get("thank_you", ""),
        "letter_subject": spec.get("letter_subject", ""),
        "letter_body": spec.get("letter_body", ""),
        "letter_editable": spec.get("letter_editable", False),
        "goal": spec.get("goal"),
        **extra,
    }


def _sync_targets(targets: list[Representative]):
    wanted = [rep.pk for rep in targets]

    def sync(page: ActionPage) -> bool:
        current = [target.representative_id for target in page.fixed_targets.all()]
        if current == wanted:
            return False
        page.fixed_targets = [
            ActionTarget(representative_id=pk, sort_order=i) for i, pk in enumerate(wanted)
        ]
        return True

    return sync


def add_supporters(
    page: ActionPage, people: list[tuple[str, str, str]], status: str, tally: Tally
) -> None:
    """``(name, email, postal code)`` as participations of ``page`` with ``status``, in bulk;
    those already there are left alone."""
    existing = set(page.participations.values_list("email", flat=True))
    now = timezone.now()
    new = [
        Participation(
            page=page,
            name=name,
            email=email,
            postal_code=postal_code,
            status=status,
            created_at=now - datetime.timedelta(minutes=n),
            confirmed_at=now - datetime.timedelta(minutes=n)
            if status == Participation.Status.CONFIRMED
            else None,
            subject=page.letter_subject,
            body=page.letter_body,
        )
        for n, (name, email, postal_code) in enumerate(people)
        if email not in existing
    ]
    Participation.objects.bulk_create(new, batch_size=1000)
    tally.add("participations", CREATED, len(new))
    tally.add("participations", EXISTING, len(people) - len(new))


def send_letters(page: ActionPage, targets_for, failed: int, tally: Tally) -> None:
    """Each confirmed participation's letters, marked sent (the last ``failed`` failed)."""
    confirmed = list(
        page.participations.filter(status=Participation.Status.CONFIRMED).order_by("pk")
    )
    done = set(
        ActionMessage.objects.filter(participation__page=page).values_list(
            "participation_id", "recipient_email"
        )
    )
    now = timezone.now()
    messages = []
    for participation in confirmed:
        targets = targets_for(participation)
        participation.targets.add(*targets)
        for rep in targets:
            if (participation.pk, rep.email) in done:
                continue
            messages.append(
                ActionMessage(
                    participation=participation,
                    representative=rep,
                    recipient_name=rep.name,
                    recipient_email=rep.email,
                    status=ActionMessage.Status.SENT,
                    attempts=1,
                    sent_at=now,
                )
            )
    for message in messages[len(messages) - failed :] if failed and messages else []:
        message.status, message.sent_at = ActionMessage.Status.FAILED, None
        message.error = "550 mailbox unavailable (demo)"
    ActionMessage.objects.bulk_create(messages, batch_size=1000)
    tally.add("letters", CREATED, len(messages))
    tally.add("letters", EXISTING, len(done))


def load_letter_action(
    newsroom: NewsroomPage, ministers: list[Representative], tally: Tally
) -> ActionPage:
    """The letter to the three ministers, with confirmed (and a few pending) supporters."""
    spec = _section("letter_action")
    values = _action_values(spec, ActionPage.Kind.LETTER, targeting=ActionPage.Targeting.FIXED)
    page = upsert_page(
        newsroom, ActionPage, spec["slug"], values, tally, "actions", extra=_sync_targets(ministers)
    )
    confirmed = [
        (f"Letter writer {n}", f"writer{n:02d}@example.org", "") for n in range(spec["confirmed"])
    ]
    add_supporters(page, confirmed, Participation.Status.CONFIRMED, tally)
    pending = [
        (f"Pending writer {n}", f"pending{n}@example.org", "") for n in range(spec["pending"])
    ]
    add_supporters(page, pending, Participation.Status.PENDING, tally)
    send_letters(page, lambda _p: ministers, spec["failed"], tally)
    return page


def load_petition(newsroom: NewsroomPage, tally: Tally) -> ActionPage:
    """The petition, with its demo signatures (1,800 toward 3,000), created in bulk."""
    spec = _section("petition")
    values = _action_values(spec, ActionPage.Kind.PETITION, targeting=ActionPage.Targeting.FIXED)
    page = upsert_page(newsroom, ActionPage, spec["slug"], values, tally, "actions")
    signers = [(f"Signer {n}", f"signer{n:04d}@example.org", "") for n in range(spec["confirmed"])]
    add_supporters(page, signers, Participation.Status.CONFIRMED, tally)
    return page


def load_mp_action(newsroom: NewsroomPage, mps: list[Representative], tally: Tally) -> ActionPage:
    """The letter to each supporter's MP, found from their postal code."""
    spec = _section("mp_action")
    values = _action_values(
        spec, ActionPage.Kind.LETTER, targeting=ActionPage.Targeting.POSTAL_CODE
    )
    page = upsert_page(newsroom, ActionPage, spec["slug"], values, tally, "actions")
    people = [
        (f"Constituent {n}", f"constituent{n}@example.org", code)
        for n, code in enumerate(spec["postal_codes"])
    ]
    add_supporters(page, people, Participation.Status.CONFIRMED, tally)

    def mps_for(participation: Participation) -> list[Representative]:
        keys = RidingArea.objects.filter(fsa=participation.postal_code[:3].upper()).values(
            "riding_key"
        )
        return [mp for mp in mps if mp.riding_key in {row["riding_key"] for row in keys}]

    send_letters(page, mps_for, 0, tally)
    return page


def load_action_win(newsroom: NewsroomPage, action: ActionPage, tally: Tally) -> CampaignWinPage:
    """A pending result linked to the letter action, with no count typed in: its summary is
    the action's live count of letters."""
    spec = _section("win")
    values = {
        "title": spec["title"],
        "date": spec["date"],
        "date_precision": spec.get("date_precision", "day"),
        "summary": spec["summary"],
        "outcome": "pending",
        "decision_maker": spec["decision_maker"],
        "supporter_count": None,
        "action_id": action.pk,
        "related_page_id": action.pk,
    }
    return upsert_page(
        newsroom, CampaignWinPage, spec["slug"], values, tally, "campaign_wins",
        topics=spec.get("topics", ()),
    )  # fmt: skip


def load_actions(
    newsroom: NewsroomPage, appeals: dict, mailing_list: MailingList, tally: Tally
) -> dict[str, Any]:
    """Everything in ``actions.toml``; returns the pages by slug."""
    ministers, mps = load_representatives(tally)
    sign_on = load_sign_on_letter(newsroom, appeals, mailing_list, tally)
    letter = load_letter_action(newsroom, ministers, tally)
    petition = load_petition(newsroom, tally)
    mp_action = load_mp_action(newsroom, mps, tally)
    win = load_action_win(newsroom, letter, tally)
    return {page.slug: page for page in (sign_on, letter, petition, mp_action, win)}

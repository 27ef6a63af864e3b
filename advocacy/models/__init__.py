"""Advocacy models (public API): page types, snippets and their links."""

from advocacy.models.actions import (
    ActionMessage,
    ActionPage,
    ActionTarget,
    Participation,
    Representative,
    RidingArea,
)
from advocacy.models.appeals import AdvocacySettings, DonationAppeal
from advocacy.models.base import AdvocacyPage, AdvocacyPageTopic
from advocacy.models.confirmations import ConfirmationEmail
from advocacy.models.letters import LetterSignatory, OpenLetterPage
from advocacy.models.listings import NewsroomPage, TimelinePage
from advocacy.models.organisations import Organisation
from advocacy.models.signons import SignOnRequest
from advocacy.models.statements import StatementPage, StatementPartner
from advocacy.models.wins import CampaignWinPage, Outcome, SupporterAction

__all__ = [
    "ActionMessage",
    "ActionPage",
    "ActionTarget",
    "AdvocacyPage",
    "AdvocacyPageTopic",
    "AdvocacySettings",
    "CampaignWinPage",
    "ConfirmationEmail",
    "DonationAppeal",
    "LetterSignatory",
    "NewsroomPage",
    "OpenLetterPage",
    "Organisation",
    "Outcome",
    "Participation",
    "Representative",
    "RidingArea",
    "SignOnRequest",
    "StatementPage",
    "StatementPartner",
    "SupporterAction",
    "TimelinePage",
]

"""Advocacy models (public API): page types, snippets and their links."""

from advocacy.models.appeals import AdvocacySettings, DonationAppeal
from advocacy.models.base import AdvocacyPage, AdvocacyPageTopic
from advocacy.models.letters import LetterSignatory, OpenLetterPage
from advocacy.models.listings import NewsroomPage, TimelinePage
from advocacy.models.organisations import Organisation
from advocacy.models.statements import StatementPage, StatementPartner
from advocacy.models.wins import CampaignWinPage, Outcome, SupporterAction

__all__ = [
    "AdvocacyPage",
    "AdvocacyPageTopic",
    "AdvocacySettings",
    "CampaignWinPage",
    "DonationAppeal",
    "LetterSignatory",
    "NewsroomPage",
    "OpenLetterPage",
    "Organisation",
    "Outcome",
    "StatementPage",
    "StatementPartner",
    "SupporterAction",
    "TimelinePage",
]

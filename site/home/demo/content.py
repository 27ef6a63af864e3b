"""The demo site's content as plain data: appeals, the open letter, statements and wins.

Facts (names, dates, counts, outcomes, decision makers) follow the five seed documents; the
summaries and body text are short rewrites for the demo, not the originals. The open
letter's signatory organisations live in ``signatories.txt`` next to this module.

Body blocks are ``(block_type, value)`` pairs built with the helpers below; the loader
turns them into StreamField data (``donation_appeal`` names an :class:`Appeal`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from html import escape
from typing import Any

from advocacy.models.statements import StatementPage
from advocacy.models.wins import Outcome, SupporterAction

Block = tuple[str, Any]
Kind = StatementPage.Kind

# --------------------------------------------------------------------------- helpers


def p(text: str) -> Block:
    """A paragraph of plain text (escaped)."""
    return ("paragraph", f"<p>{escape(text, quote=False)}</p>")


def bullets(*items: str) -> Block:
    """A bulleted list, as one rich-text paragraph block."""
    rows = "".join(f"<li>{escape(item, quote=False)}</li>" for item in items)
    return ("paragraph", f"<ul>{rows}</ul>")


def numbered(*items: str) -> Block:
    """A numbered list, as one rich-text paragraph block."""
    rows = "".join(f"<li>{escape(item, quote=False)}</li>" for item in items)
    return ("paragraph", f"<ol>{rows}</ol>")


def heading(text: str, level: str = "h2") -> Block:
    return ("heading", {"text": text, "level": level})


def demands(intro: str, *items: str) -> Block:
    """A numbered list of demands (the ``demands`` block)."""
    return (
        "demands",
        {"intro": intro, "demands": [f"<p>{escape(item, quote=False)}</p>" for item in items]},
    )


def appeal(name: str) -> Block:
    """A donation appeal block showing the :class:`Appeal` called ``name``."""
    return ("donation_appeal", {"appeal": name})


def rich(text: str) -> str:
    """Plain text as a rich-text field value."""
    return f"<p>{escape(text, quote=False)}</p>"


# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class Appeal:
    """A :class:`~advocacy.models.DonationAppeal` snippet, unique by ``name``."""

    name: str
    headline: str
    message: str  # rich text
    button_url: str
    button_label: str = "Donate now"
    suggested_amounts: str = ""
    currency: str = "CAD"
    monthly_emphasis: bool = False
    eligibility_note: str = ""
    etransfer_email: str = ""
    phone: str = ""
    mail_in_url: str = ""


@dataclass(frozen=True)
class Statement:
    """A :class:`~advocacy.models.StatementPage` in the newsroom, unique by ``slug``."""

    slug: str
    title: str
    kind: str
    date: datetime.date
    summary: str
    topics: tuple[str, ...] = ()
    body: tuple[Block, ...] = ()
    partners: tuple[str, ...] = ()  # organisation names


@dataclass(frozen=True)
class Letter:
    """An :class:`~advocacy.models.OpenLetterPage`; signatories come from ``signatories.txt``."""

    slug: str
    title: str
    date: datetime.date
    summary: str
    addressee: str
    salutation: str
    body: tuple[Block, ...]
    demands_intro: str
    demands: tuple[str, ...]
    after_demands: tuple[Block, ...] = ()
    closing: str = "Respectfully,"
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Win:
    """A :class:`~advocacy.models.CampaignWinPage`; ``related_slug`` names a newsroom page."""

    slug: str
    title: str
    date: datetime.date
    outcome: str
    summary: str
    body: tuple[Block, ...] = ()
    topics: tuple[str, ...] = ()
    decision_maker: str = ""
    decision_date: datetime.date | None = None
    supporter_count: int | None = None
    supporter_action: str = SupporterAction.SUPPORTERS
    related_slug: str = ""


@dataclass(frozen=True)
class Home:
    title: str
    hero_heading: str
    intro: str  # rich text
    featured_slug: str
    appeal: str


@dataclass(frozen=True)
class Listing:
    title: str
    slug: str
    intro: str  # rich text
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- topics

PALESTINE = "Palestine"
UNRWA = "UNRWA"
ARMS = "Arms embargo"
EXPRESSION = "Free expression"
FAMILY = "Family reunification"
CEASEFIRE = "Ceasefire"
LAW = "International law"
ISLAMOPHOBIA = "Islamophobia"
UN = "United Nations"

# --------------------------------------------------------------------------- appeals

CMPAC_APPEAL = "CMPAC Ramadan appeal (zakat eligible)"
CJPME_APPEAL = "CJPME monthly giving appeal"

APPEALS: tuple[Appeal, ...] = (
    Appeal(
        name=CMPAC_APPEAL,
        headline="Give this Ramadan to sustain advocacy for Palestine",
        message=(
            "<p>In the last days of Ramadan, a gift of any size helps CMPAC keep up its "
            "advocacy for Palestine: research, new alliances, educational material and a "
            "stronger, lasting institution. <b>Your donation is zakat eligible.</b></p>"
        ),
        button_url="https://example.org/donate/cmpac-ramadan",
        suggested_amounts="50, 100, 250, 500",
        eligibility_note="Zakat eligible",
    ),
    Appeal(
        name=CJPME_APPEAL,
        headline="Keep the wins coming: give monthly",
        message=(
            "<p>CJPME is funded only by private donors, and every campaign result on this "
            "site depended on them. A monthly gift is the most useful kind: it pays for "
            "ongoing work and lets us plan ahead. Prefer not to use a card? Send an "
            "e-transfer, call us, or mail in the printable form.</p>"
        ),
        button_url="https://example.org/donate/monthly",
        button_label="Give monthly",
        suggested_amounts="10, 25, 50, 100",
        monthly_emphasis=True,
        etransfer_email="donate@example.org",
        phone="438-380-5410",
        mail_in_url="https://example.org/donate/mail-in-form.pdf",
    ),
)

# --------------------------------------------------------------------------- home & listings

HOME = Home(
    title="Advocacy newsroom",
    hero_heading="Holding Canada to its word on Palestine, human rights and free expression",
    intro=(
        "<p>Open letters, statements and campaign results from Canadian civil-society "
        "groups: what was asked, of whom, and what changed. This is demo content built "
        "from public documents.</p>"
    ),
    featured_slug="open-letter-to-prime-minister-carney-gaza-ceasefire",
    appeal=CJPME_APPEAL,
)

NEWSROOM = Listing(
    title="Newsroom",
    slug="newsroom",
    intro=rich(
        "Every statement, open letter and campaign result in one place. Filter by kind, "
        "outcome, topic or year."
    ),
    extra={"page_size": 12},
)

TIMELINE = Listing(
    title="Advocacy timeline",
    slug="timeline",
    intro=rich(
        "Month by month since October 2023: the letters, statements, campaigns and "
        "coalitions, and the results they led to."
    ),
)

# --------------------------------------------------------------------------- the open letter

LETTER = Letter(
    slug="open-letter-to-prime-minister-carney-gaza-ceasefire",
    title="Open letter to Prime Minister Carney on the broken Gaza ceasefire",
    date=datetime.date(2025, 3, 19),
    summary=(
        "More than 450 organisations, led by the National Council of Canadian Muslims, ask "
        "Prime Minister Mark Carney to answer Israel's breach of the Gaza ceasefire with "
        "sanctions, a two-way arms embargo and recognition of Palestine."
    ),
    addressee="Prime Minister Mark Carney",
    salutation="Dear Prime Minister Carney,",
    body=(
        p(
            "We write as more than 450 organisations of many faiths, from every part of "
            "Canada and including nearly every Muslim association in the country."
        ),
        p(
            "Israeli Prime Minister Benjamin Netanyahu announced on Monday, March 17 that "
            "his government would stop honouring the ceasefire agreement. In the 24 hours that "
            "followed, Israeli strikes killed more than 400 civilians, over 80 of them "
            "children, and the toll is still rising."
        ),
        p(
            "No claim of self-defence can excuse killing on this scale, and Canadians "
            "cannot look on in silence. The ICJ has found that Israel's 16-month assault on "
            "Gaza has deliberately targeted civilians and amounts to a plausible genocide. "
            "This week's attacks show the Netanyahu government does not want peace."
        ),
        p(
            "The Trump administration backs this move. Canada is asking allies to stand "
            "with it against a threat of annexation; Gaza faces a graver annexation threat "
            "from the same administration. We cannot expect solidarity if we withhold it "
            "from others."
        ),
    ),
    demands_intro="Because Israel has broken the ceasefire, we call on Canada to:",
    demands=(
        "Condemn without qualification, in solidarity with Palestinians in Gaza, the "
        "IDF's mass violence and the ethnic cleansing plans of US President Trump;",
        "Use Magnitsky sanctions against Benjamin Netanyahu and his war cabinet, including "
        "the Kahanists led by Ben-Gvir, a listed terrorist entity in Canada, for human "
        "rights violations such as starving civilians and attacking civilians and "
        "civilian infrastructure;",
        "Insist publicly that aid be let into Gaza, although the Israeli government is "
        "blocking it;",
        "Bring out the Canadian family members who have waited for months to leave;",
        "Go further than today's one-way ban on weapons export permits and impose a "
        "two-way arms embargo; and",
        "Recognise Palestine as a state now, showing the world and Palestinians that "
        "Canada supports peace and Palestinian self-determination while the Trump "
        "administration talks of annexing Gaza, as it has of annexing Canada.",
    ),
    after_demands=(
        p(
            "We ask Canada to act on principle. Sanctioning the Netanyahu government would "
            "simply honour Canada's own commitment to international law, whoever breaks "
            "it. No other leader could order 400 civilians killed in under a day and escape "
            "the world's condemnation."
        ),
        p(
            "Canada must not let Gaza's people face another stretch of bombing and "
            "starvation. The moment for decisive action is now."
        ),
    ),
    topics=(PALESTINE, CEASEFIRE, ARMS, LAW),
)

# --------------------------------------------------------------------------- statements

ENDORSEMENT_SLUG = "cmpac-endorses-stop-genocide-or-resign"
STRATEGY_SLUG = "cmpac-political-advocacy-strategy-for-palestine"
COALITION_SLUG = "cmpac-joins-coalition-to-halt-arms-transfers"
JAMA_SLUG = "community-support-letter-for-sarah-jama"
CJPME = "Canadians for Justice and Peace in the Middle East (CJPME)"


def _month(year: int, month: int) -> datetime.date:
    """Timeline items are dated to the first of their month."""
    return datetime.date(year, month, 1)


STATEMENTS: tuple[Statement, ...] = (
    Statement(
        slug=ENDORSEMENT_SLUG,
        title="CMPAC endorses the joint open letter “Stop Genocide or Resign”",
        kind=Kind.ENDORSEMENT,
        date=datetime.date(2024, 2, 22),
        summary=(
            "CMPAC backs the CJPME-initiated letter telling three federal ministers to act "
            "on the risk of genocide in Gaza or step down."
        ),
        topics=(PALESTINE, UNRWA, ARMS, FAMILY),
        body=(
            p(
                "The Canadian Muslim Public Affairs Council (CMPAC) has added its name to "
                "“Stop Genocide or Resign”, a joint open letter started by Canadians for "
                "Justice and Peace in the Middle East (CJPME) and signed by many Canadian "
                "civil-society groups."
            ),
            p(
                "Pointing to the danger of genocide in Gaza acknowledged by UN experts and "
                "by the ICJ, the letter asks key ministers to resign "
                "unless they act at once. A CMPAC representative is speaking at today's "
                "press conference to explain why the letter matches CMPAC's own positions."
            ),
            demands(
                "The letter asks that:",
                "Minister Joly declare unequivocal support for the ICJ's emergency measures "
                "and impose an embargo on military trade between Canada and Israel;",
                "Minister Hussen restore humanitarian funding to UNRWA and raise Canada's "
                "commitment for the next three years; and",
                "Minister Miller remove the barriers to family reunification visas for Gaza "
                "and speed up bringing relatives to safety.",
            ),
            p(
                "For CMPAC, the endorsement is part of a steady commitment to justice and "
                "to protecting civilian lives in Palestine."
            ),
        ),
        partners=(CJPME,),
    ),
    Statement(
        slug="joint-letter-to-pm-trudeau-on-gaza",
        title="Joint letter to Prime Minister Trudeau on Gaza",
        kind=Kind.JOINT_STATEMENT,
        date=_month(2023, 10),
        summary="CMPAC led a joint letter setting out the community's concerns about Gaza "
        "to Prime Minister Justin Trudeau.",
        topics=(PALESTINE,),
        body=(
            p(
                "In the first weeks of the war, CMPAC brought organisations together to "
                "put their concerns about Gaza directly to the Prime Minister."
            ),
        ),
    ),
    Statement(
        slug="statement-on-rising-islamophobia-during-gaza-war",
        title="Islamophobia is rising with the war on Gaza",
        kind=Kind.STATEMENT,
        date=_month(2023, 10),
        summary="CMPAC warned of the rise in Islamophobia in Canada that followed the "
        "outbreak of the war on Gaza.",
        topics=(ISLAMOPHOBIA,),
        body=(
            p(
                "CMPAC raised the alarm about a wave of Islamophobia in Canada linked to "
                "the war, and asked governments to take it seriously."
            ),
        ),
    ),
    Statement(
        slug=JAMA_SLUG,
        title="Community support letter for Sarah Jama",
        kind=Kind.CAMPAIGN,
        date=_month(2023, 10),
        summary="CMPAC led a community campaign letter in support of Ontario MPP Sarah "
        "Jama after she spoke out for Palestinians.",
        topics=(EXPRESSION, PALESTINE),
        body=(
            p(
                "When Sarah Jama came under fire for speaking about Palestine, CMPAC "
                "organised a letter so community members could show their support."
            ),
        ),
    ),
    Statement(
        slug="joint-statement-condemning-attack-on-free-speech",
        title="Joint statement condemning the attack on free speech",
        kind=Kind.JOINT_STATEMENT,
        date=_month(2023, 11),
        summary="A CMPAC-led joint statement denounced the attack on free speech faced by "
        "people speaking up for Palestine.",
        topics=(EXPRESSION,),
        body=(
            p(
                "Organisations joined CMPAC to defend the right of Canadians to speak "
                "about Palestine without being punished for it."
            ),
        ),
    ),
    Statement(
        slug="joint-letter-to-pm-trudeau-demanding-ceasefire",
        title="Joint letter to Prime Minister Trudeau demanding a ceasefire",
        kind=Kind.JOINT_STATEMENT,
        date=_month(2023, 12),
        summary="CMPAC led a joint letter calling on Prime Minister Justin Trudeau to "
        "demand a ceasefire in Gaza.",
        topics=(PALESTINE, CEASEFIRE),
        body=(p("The letter's central ask to the Prime Minister: call for a ceasefire now."),),
    ),
    Statement(
        slug="statement-after-un-vote",
        title="What we expect from Ottawa after the UN vote",
        kind=Kind.STATEMENT,
        date=_month(2023, 12),
        summary="After the UN vote, CMPAC set out its expectations of, and concerns "
        "about, the Canadian government.",
        topics=(PALESTINE, UN),
        body=(
            p(
                "CMPAC responded to the UN vote by spelling out what Canadians expect "
                "the government to do next, and where it still falls short."
            ),
        ),
    ),
    Statement(
        slug="joint-open-letter-to-pm-trudeau-preventing-genocide",
        title="Joint open letter: the government must act to prevent genocide",
        kind=Kind.JOINT_STATEMENT,
        date=_month(2023, 12),
        summary="A joint open letter pressed Prime Minister Justin Trudeau's government "
        "to take action to prevent genocide in Gaza.",
        topics=(PALESTINE, LAW),
        body=(
            p(
                "Signatories asked the federal government to use the tools it has to "
                "help prevent genocide in Gaza."
            ),
        ),
    ),
    Statement(
        slug="statement-on-icj-provisional-measures",
        title="The ICJ has ordered provisional measures: Canada must act now",
        kind=Kind.STATEMENT,
        date=_month(2024, 1),
        summary="CMPAC responded to the ICJ's order for provisional measures and asked "
        "the Canadian government to act on it immediately.",
        topics=(LAW, PALESTINE),
        body=(
            p(
                "After the International Court of Justice ordered provisional measures, "
                "CMPAC called for immediate action from Ottawa to respect the order."
            ),
        ),
    ),
    Statement(
        slug=COALITION_SLUG,
        title="CMPAC joins coalition calling for a halt to arms transfers to Israel",
        kind=Kind.COALITION,
        date=_month(2024, 2),
        summary="CMPAC joined a coalition urging Canada to stop transferring arms to Israel.",
        topics=(ARMS,),
        body=(
            p(
                "CMPAC added its voice to a coalition of organisations asking Canada to "
                "halt arms transfers to Israel."
            ),
        ),
    ),
    Statement(
        slug="carleton-and-concordia-must-uphold-freedom-of-expression",
        title="Carleton and Concordia must uphold freedom of expression",
        kind=Kind.STATEMENT,
        date=_month(2024, 2),
        summary="CMPAC statements asked Carleton and Concordia Universities to protect "
        "freedom of expression on campus.",
        topics=(EXPRESSION,),
        body=(
            p(
                "CMPAC wrote to two universities, Carleton and Concordia, asking them to "
                "protect their students' freedom of expression."
            ),
        ),
    ),
    Statement(
        slug="palestine-advocacy-tour-with-sami-hamdi",
        title="Palestine advocacy tour with Sami Hamdi",
        kind=Kind.EVENT,
        date=_month(2024, 2),
        summary="From February 8 to 11, CMPAC's advocacy tour with Sami Hamdi visited "
        "London, Ottawa, Montreal and Toronto.",
        topics=(PALESTINE, UNRWA, ARMS, CEASEFIRE),
        body=(
            p(
                "CMPAC's grassroots tour for Palestine solidarity, with Sami Hamdi, ran "
                "from February 8 to 11 in London, Ottawa, Montreal and Toronto."
            ),
            heading("The tour in numbers"),
            bullets(
                "58+ electoral districts",
                "250+ volunteers",
                "15+ cities",
                "15+ organisations and advocacy groups collaborated",
                "20+ student groups supported",
            ),
            demands(
                "The tour's headline demands:",
                "Ceasefire",
                "UNRWA reinstatement",
                "Compliance with ICJ measures",
                "Embargo on military trade",
            ),
            p(
                "Other themes included the demand for ministers' resignations, the right "
                "to protest, free speech on campuses, the NDP motion, and support for "
                "Palestine Awareness Week on five campuses across Canada."
            ),
        ),
    ),
    Statement(
        slug="letter-to-muslim-caucus-on-rafah",
        title="Campaign letter urging the Muslim Caucus to condemn the invasion of Rafah",
        kind=Kind.CAMPAIGN,
        date=_month(2024, 3),
        summary="A campaign letter asked members of the Muslim Caucus to jointly denounce "
        "Israel's invasion of Rafah.",
        topics=(PALESTINE,),
        body=(
            p(
                "Supporters wrote to the Muslim Caucus asking its members to speak with "
                "one voice against Israel's invasion of Rafah."
            ),
        ),
    ),
    Statement(
        slug="condemning-real-estate-seminars-selling-settlements",
        title="Condemning seminars that sell homes in illegal West Bank settlements",
        kind=Kind.STATEMENT,
        date=_month(2024, 3),
        summary="CMPAC condemned Israel real estate seminars marketing homes in illegal "
        "settlements in the West Bank.",
        topics=(LAW, PALESTINE),
        body=(
            p(
                "Settlements in the occupied West Bank are illegal under international "
                "law; CMPAC condemned the seminars that market property in them."
            ),
        ),
    ),
    Statement(
        slug="accountability-for-police-conduct-at-toronto-protests",
        title="Accountability for police conduct at Toronto pro-Palestinian protests",
        kind=Kind.STATEMENT,
        date=_month(2024, 3),
        summary="CMPAC asked for a transparent investigation into reports of excessive "
        "force and selective policing by Toronto Police at pro-Palestinian protests.",
        topics=(EXPRESSION,),
        body=(
            p(
                "Reports from recent pro-Palestinian protests in Toronto describe "
                "excessive force and selective policing. CMPAC condemned this conduct and "
                "wants an open, transparent investigation."
            ),
            p(
                "Peaceful demonstrators have rights, and protecting them is a basic "
                "democratic principle."
            ),
        ),
    ),
    Statement(
        slug="disappointed-by-amendments-to-ndp-motion",
        title="CMPAC disappointed by Liberal changes to the NDP motion on Palestine",
        kind=Kind.STATEMENT,
        date=_month(2024, 3),
        summary="The Liberal amendments kept some key points of the NDP motion but dropped "
        "recognition of Palestinian statehood; CMPAC wants concrete action.",
        topics=(PALESTINE, LAW),
        body=(
            p(
                "CMPAC regrets that the Liberal government's amendments weakened the NDP "
                "motion on Palestine. Some key points survived, but recognising Palestinian "
                "statehood did not, a failure of principled leadership and of commitment "
                "to international law."
            ),
            p(
                "CMPAC asks Canada to recognise Palestine as an independent state and to "
                "hold Israel to account for breaking international law."
            ),
        ),
    ),
    Statement(
        slug=STRATEGY_SLUG,
        title="CMPAC's political advocacy strategy for Palestine",
        kind=Kind.STATEMENT,
        date=_month(2024, 4),
        summary="What CMPAC is asking of Canada, why it holds the government complicit in "
        "the genocide in Gaza, and the actions taken since October 2023.",
        topics=(PALESTINE, ARMS, UNRWA, EXPRESSION, ISLAMOPHOBIA),
        body=(
            p(
                "Ottawa's response to the worsening situation in Palestine falls short of "
                "what Canadians, and Muslims in particular, expect. This strategy states "
                "our goals plainly, so that token gestures do not distract from them."
            ),
            heading("Our core demand"),
            p(
                "Canada should use every domestic and foreign policy tool it has to stop "
                "the aggression against Palestinians, hold those complicit in the genocide "
                "to account, and relieve the humanitarian crisis. At home, it must confront "
                "the chill on the free expression of Muslims, Arabs and supporters of "
                "Palestine, and the growth of anti-Palestinian racism and Islamophobia."
            ),
            heading("Why we say Canada is complicit"),
            numbered(
                "Arms export permits to Israel kept being approved until January 9, 2024.",
                "Apart from one motion, Canada's UN votes gave political cover to the genocide.",
                "Government talking points repeated the Israeli government's justifications.",
                "Suspending UNRWA funding weakened the main UN aid agency in Gaza as "
                "starvation and famine loomed.",
                "Dual-citizen reservists were allowed to join the operations in Gaza.",
            ),
            p(
                "Ending that complicity, and holding decision makers accountable, is the "
                "focus of our advocacy. The advocacy timeline lists the letters, statements "
                "and campaigns behind it, from October 2023 on."
            ),
            appeal(CMPAC_APPEAL),
        ),
    ),
)

# --------------------------------------------------------------------------- wins

REPORT_2024 = datetime.date(2024, 3, 28)  # the spring 2024 campaign report
REPORT_2021 = datetime.date(2021, 6, 1)  # the earlier, undated report (2021)
MOTION_VOTE = datetime.date(2024, 3, 18)

WINS: tuple[Win, ...] = (
    # ---- spring 2024 report: big new wins
    Win(
        slug="canada-stops-approving-military-exports-to-israel",
        title="Mélanie Joly imposes an arms embargo on Israel",
        date=REPORT_2024,
        outcome=Outcome.WIN,
        summary="After months of pressure and more than 13,000 emails, Canada has stopped "
        "approving military exports to Israel, in effect a one-way arms embargo.",
        topics=(ARMS, PALESTINE),
        decision_maker="Foreign Affairs Minister Mélanie Joly",
        supporter_count=13000,
        supporter_action=SupporterAction.EMAILS,
        related_slug=COALITION_SLUG,
        body=(
            p(
                "Figures published in February showed that between October and December "
                "2023 Canada approved $28.5M in arms exports to Israel, more than in any "
                "full year of the previous thirty."
            ),
            p(
                "CJPME and other groups kept demanding an end to the arms trade. After the "
                "NDP motion passed, Minister Joly said Canada would stop approving military "
                "exports to Israel. Supporters had sent her over 13,000 emails."
            ),
        ),
    ),
    Win(
        slug="arms-embargo-petition-ninth-largest-in-parliament",
        title="Arms embargo petition is the 9th largest in Parliament's history",
        date=REPORT_2024,
        outcome=Outcome.WIN,
        summary="CJPME's parliamentary petition for an arms embargo on Israel closed on "
        "Feb. 19 with more than 82,000 signatures.",
        topics=(ARMS,),
        supporter_count=82000,
        supporter_action=SupporterAction.SIGNATURES,
        body=(
            p(
                "Sponsored by NDP Foreign Affairs Critic Heather McPherson, the petition "
                "asked for a two-way embargo and an inquiry into whether Canadian-made "
                "weapons had been used against Palestinian civilians."
            ),
            p(
                "It is the 9th largest petition in Parliament's history and the 5th largest "
                "of the current session. McPherson will table it in April, and the "
                "government then has 40 days to respond."
            ),
        ),
    ),
    Win(
        slug="parliament-adopts-palestine-motion",
        title="Parliament adopts the “Palestine Motion”",
        date=REPORT_2024,
        outcome=Outcome.WIN,
        summary="Backed by over 35,000 supporters, an amended NDP motion on Palestine passed "
        "204-117 on March 18.",
        topics=(PALESTINE, ARMS, CEASEFIRE, LAW),
        decision_maker="House of Commons",
        decision_date=MOTION_VOTE,
        supporter_count=35000,
        supporter_action=SupporterAction.SUPPORTERS,
        body=(
            p(
                "On March 1 the NDP put forward an Opposition Day motion that included "
                "recognising Palestine, an immediate ceasefire in Gaza and suspending the "
                "arms trade with Israel. CJPME asked MPs to vote yes on March 18."
            ),
            p(
                "The amendments weakened the motion considerably, but the government "
                "confirmed it would impose an arms embargo on Israel and support "
                "international courts investigating war crimes allegations."
            ),
        ),
    ),
    Win(
        slug="hussen-restores-unrwa-funding",
        title="Minister Hussen restores funding to UNRWA",
        date=REPORT_2024,
        outcome=Outcome.WIN,
        summary="Canada resumed funding the UN agency for Palestine refugees in early March "
        "after a campaign that gathered more than 17,000 signatures.",
        topics=(UNRWA, PALESTINE),
        decision_maker="International Development Minister Ahmed Hussen",
        supporter_count=17000,
        supporter_action=SupporterAction.SIGNATURES,
        body=(
            p(
                "In late January Minister Hussen suspended Canada's funding for UNRWA over "
                "unproven Israeli allegations against a few of its staff."
            ),
            p(
                "UNRWA mostly runs schools and health care, and during the war it has kept "
                "2.3 million Palestinians in Gaza going. Campaigners kept "
                "explaining what cutting it would cost, and the funding was restored."
            ),
        ),
    ),
    Win(
        slug="arij-al-khafagi-reinstated",
        title="Arij Al Khafagi back in her nursing program, record cleared",
        date=REPORT_2024,
        outcome=Outcome.WIN,
        summary="Suspended over social media posts about Gaza, the University of Manitoba "
        "nursing student was reinstated in late January with a clean record.",
        topics=(EXPRESSION,),
        decision_maker="University of Manitoba",
        supporter_count=12000,
        supporter_action=SupporterAction.SUPPORTERS,
        body=(
            p(
                "In November the university suspended Arij Al Khafagi from her nursing "
                "program and reprimanded her for posts criticising Israel's war on Gaza. "
                "She appealed, and 12,000 Canadians stood up for her right to speak."
            ),
        ),
    ),
    Win(
        slug="rich-ward-reinstated-as-principal",
        title="Principal Rich Ward reinstated",
        date=REPORT_2024,
        outcome=Outcome.WIN,
        summary="The principal suspended over a tweet in November is back at Tribune Drive "
        "Public School, after over 4,000 people backed him.",
        topics=(EXPRESSION,),
        decision_maker="Peel District School Board",
        supporter_count=4000,
        supporter_action=SupporterAction.SUPPORTERS,
        body=(
            p(
                "CJPME's campaign asked the Peel District School Board (PDSB) to reinstate "
                "Rich Ward at once, apologise publicly and stop policing teachers' free "
                "expression. CJPME has now learned he is fully reinstated."
            ),
        ),
    ),
    # ---- positive movement
    Win(
        slug="government-to-support-icj-and-icc",
        title="Government agrees to support the ICJ and ICC",
        date=REPORT_2024,
        outcome=Outcome.POSITIVE_MOVEMENT,
        summary="With the motion adopted on March 18, the government committed to backing "
        "the International Court of Justice and the International Criminal Court.",
        topics=(LAW, PALESTINE),
        decision_maker="Government of Canada",
        decision_date=MOTION_VOTE,
        supporter_count=28000,
        supporter_action=SupporterAction.SUPPORTERS,
        body=(
            p(
                "CJPME's campaign, launched on Jan. 26, asked Canada to respect the ICJ's "
                "provisional measures, condemn Israel's violence and press it to comply. "
                "Over 28,000 Canadians joined. The goal remains accountability for Israeli "
                "leaders before international courts."
            ),
        ),
    ),
    Win(
        slug="stop-genocide-or-resign-prompts-changes",
        title="“Stop Genocide or Resign” helps prompt important changes",
        date=REPORT_2024,
        outcome=Outcome.POSITIVE_MOVEMENT,
        summary="Two of the open letter's three demands have moved: UNRWA funding is back "
        "and Canada has a one-way arms embargo on Israel.",
        topics=(PALESTINE, UNRWA, ARMS, FAMILY),
        decision_maker="Ministers Mélanie Joly, Ahmed Hussen and Marc Miller",
        supporter_count=18000,
        supporter_action=SupporterAction.SUPPORTERS,
        related_slug=ENDORSEMENT_SLUG,
        body=(
            p(
                "In February, more than 130 civil-society organisations and over 18,000 "
                "Canadians told Ministers Joly, Hussen and Miller to act on the danger of "
                "genocide in Gaza or step aside."
            ),
            p(
                "The letter faulted them for not calling for a ceasefire, for cutting UNRWA "
                "funding, and for an arbitrary, racist visa program for Canadians with "
                "family in Gaza. Minister Hussen has since restored UNRWA funding and "
                "Minister Joly has imposed a one-way embargo; pressure on Joly and Miller "
                "continues."
            ),
        ),
    ),
    Win(
        slug="afmc-condemns-carms-meddling",
        title="Medical faculties condemn meddling in residency placements",
        date=REPORT_2024,
        outcome=Outcome.POSITIVE_MOVEMENT,
        summary="After more than 2,400 Canadians called for an investigation, the AFMC "
        "condemned attempts to interfere with the CaRMS residency match.",
        topics=(EXPRESSION,),
        decision_maker="Association of Faculties of Medicine of Canada (AFMC)",
        supporter_count=2400,
        supporter_action=SupporterAction.SUPPORTERS,
        body=(
            p(
                "CBC News reported that pro-Israel doctors in a private Facebook group "
                "discussed pressing CaRMS administrators to penalise medical students who "
                "had signed a petition against the bombing of Gaza's hospitals."
            ),
            p(
                "Together with allied groups' work, the campaign led the AFMC to condemn "
                "the meddling and commit to a fair, transparent process."
            ),
        ),
    ),
    Win(
        slug="sarah-jama-seeks-judicial-review",
        title="MPP Sarah Jama takes her censure to judicial review",
        date=REPORT_2024,
        outcome=Outcome.POSITIVE_MOVEMENT,
        summary="Censured for speaking out on Gaza, the Ontario MPP applied for a judicial "
        "review; over 3,400 people signed a petition backing her.",
        topics=(EXPRESSION, PALESTINE),
        supporter_count=3400,
        supporter_action=SupporterAction.SIGNATURES,
        related_slug=JAMA_SLUG,
        body=(
            p(
                "Both the Ontario NDP and the Ontario Legislature moved to censure Sarah "
                "Jama after she condemned Israel's genocide of Palestinians. She is now "
                "waiting for the Ontario government's answer to her application."
            ),
        ),
    ),
    # ---- pending
    Win(
        slug="investigate-canadians-serving-in-israeli-army",
        title="Still waiting: an investigation into Canadians serving in Israel's army",
        date=REPORT_2024,
        outcome=Outcome.PENDING,
        summary="Almost 9,000 people have asked the Justice Minister to investigate "
        "whether Canadians serving with the IDF are complicit in war crimes.",
        topics=(LAW,),
        decision_maker="Justice Minister Arif Virani",
        body=(
            p(
                "UN Special Rapporteur Francesca Albanese has said Israel's conduct in Gaza "
                "shows a pattern of war crimes and reasonable grounds to believe genocide "
                "is occurring. An unknown number of Canadians have volunteered for the "
                "offensive."
            ),
            p(
                "Canada is legally bound to investigate and prosecute its citizens for war "
                "crimes committed abroad. No investigation has been opened yet."
            ),
        ),
    ),
    Win(
        slug="remove-limits-on-gaza-family-visas",
        title="Still waiting: an end to the limits on Gaza family visas",
        date=REPORT_2024,
        outcome=Outcome.PENDING,
        summary="The 1,000-person cap is being expanded, but no Palestinian from Gaza has "
        "yet reached Canada under the temporary visa program.",
        topics=(FAMILY,),
        decision_maker="Immigration Minister Marc Miller",
        supporter_count=4000,
        supporter_action=SupporterAction.SUPPORTERS,
        body=(
            p(
                "Three months into the assault, Minister Miller offered 3-year temporary "
                "residence visas to extended family of Canadians in Gaza, but capped the "
                "program at 1,000 people and demanded unprecedented personal information."
            ),
            p(
                "More than 4,000 people asked him to drop these limits. After the NDP "
                "motion, Miller said he would make more people eligible. Pressure to speed "
                "the program up continues."
            ),
        ),
    ),
    Win(
        slug="indigo-peace-11-still-targeted",
        title="Still waiting: the Indigo “Peace 11” remain targeted by Toronto Police",
        date=REPORT_2024,
        outcome=Outcome.PENDING,
        summary="Eleven activists arrested in November over a protest at an Indigo store "
        "still face charges; the BCCLA has asked for them to be withdrawn.",
        topics=(EXPRESSION,),
        decision_maker="Toronto Police Service and the Ontario Crown Attorney",
        body=(
            p(
                "Toronto police arrested the 11 violently after an Indigo storefront was "
                "covered in red paint and posters, a protest against CEO Heather Reisman's "
                "indirect funding of the Israeli military. CJPME's campaign objects to the harsh "
                "charges and their treatment."
            ),
            p(
                "On Mar. 25 the British Columbia Civil Liberties Association wrote to the "
                "Toronto Police Service and the Ontario Crown Attorney asking that the "
                "charges be dropped. CJPME knows of no other developments."
            ),
        ),
    ),
    # ---- updates on earlier wins
    Win(
        slug="ben-thomson-sues-mackenzie-health",
        title="Reinstated doctor Ben Thomson sues his employer for $1.5M",
        date=REPORT_2024,
        outcome=Outcome.UPDATE,
        summary="Reinstated by Mackenzie Health in November, Dr. Ben Thomson is now suing "
        "it for defamation and bad faith.",
        topics=(EXPRESSION,),
        body=(
            p(
                "After an abrupt suspension followed by online harassment and doxxing, Dr. "
                "Thomson accepted a settlement and got his position back. His lawsuit says "
                "he was censured for fulfilling a public duty: speaking about the "
                "dehumanisation of Palestinians."
            ),
        ),
    ),
    Win(
        slug="quebec-doctor-fined-25000",
        title="Quebec doctor fined $25,000 turns to GoFundMe",
        date=REPORT_2024,
        outcome=Outcome.UPDATE,
        summary="The College of Physicians of Quebec fined Dr. Éric Sabbah $25,000 in "
        "January over genocidal Facebook comments.",
        topics=(PALESTINE,),
        decision_maker="College of Physicians of Quebec",
        body=(
            p(
                "The fine followed a campaign calling for his suspension. TVA Nouvelles "
                "reports that he has since opened a GoFundMe aiming to raise $25,000."
            ),
        ),
    ),
    Win(
        slug="ottawa-stands-firm-on-educator-comments",
        title="Ottawa groups stand firm on a teacher's discriminatory comments",
        date=REPORT_2024,
        outcome=Outcome.UPDATE,
        summary="After a successful campaign for her suspension, CJPME and Ottawa groups "
        "are holding their position despite legal threats from teacher Lisa Levitan.",
        topics=(ISLAMOPHOBIA,),
        decision_maker="Ottawa-Carleton District School Board (OCDSB)",
        body=(
            p(
                "In November, CJPME and other Ottawa groups raised the comments of OCDSB "
                "teacher Lisa Levitan, which cast anyone not supporting Israel as a "
                "supporter of terrorism."
            ),
        ),
    ),
    # ---- the earlier report (2021)
    Win(
        slug="canada-announces-90-million-for-unrwa",
        title="Canada announces $90 million for UNRWA over three years",
        date=REPORT_2021,
        outcome=Outcome.WIN,
        summary="Canada renewed and increased its support for Palestinian refugees: $30 "
        "million a year for three years to UNRWA.",
        topics=(UNRWA, PALESTINE),
        decision_maker="Government of Canada",
        supporter_action=SupporterAction.EMAILS,
        body=(
            p(
                "CJPME and others had pressed the government for years to give more to "
                "Palestinian refugees. The money mainly pays for education and health care. "
                "Thank you to everyone who emailed the government about UNRWA."
            ),
        ),
    ),
    Win(
        slug="campaigns-to-improve-canadas-un-votes",
        title="Over 9,000 Canadians push for better votes at the UN",
        date=REPORT_2021,
        outcome=Outcome.POSITIVE_MOVEMENT,
        summary="Three campaigns on Canada's annual UN votes drew more than 9,000 "
        "participants; Canada kept its vote for Palestinian self-determination.",
        topics=(UN, PALESTINE),
        decision_maker="Government of Canada",
        supporter_count=9000,
        supporter_action=SupporterAction.PARTICIPANTS,
        body=(p("Canada held its position on self-determination, but much remains to do."),),
    ),
    Win(
        slug="paul-manly-petition-passes-1800-signatures",
        title="Petition sponsored by Paul Manly passes 1,800 signatures",
        date=REPORT_2021,
        outcome=Outcome.PENDING,
        summary="The government petition sponsored by Paul Manly has more than 1,800 "
        "signatures; the goal is 3,000+ before it closes on September 4.",
        topics=(PALESTINE,),
        supporter_count=1800,
        supporter_action=SupporterAction.SIGNATURES,
        body=(p("Sign it and share it widely before it closes."),),
    ),
    Win(
        slug="sheikh-jarrah-letters",
        title="Letters urge Canada to act on Sheikh Jarrah evictions",
        date=REPORT_2021,
        outcome=Outcome.PENDING,
        summary="Supporters are writing to MPs and UN Ambassador Bob Rae about evictions "
        "in Sheikh Jarrah and land title registration in occupied East Jerusalem.",
        topics=(PALESTINE, LAW),
        decision_maker="Canadian Ambassador to the UN Bob Rae",
        supporter_action=SupporterAction.LETTERS,
        body=(
            p(
                "The letters ask Canada to insist that Israel stop evicting Palestinian "
                "families in Sheikh Jarrah and drop a land title policy that would "
                "permanently take Palestinian land, in breach of international law."
            ),
            p(
                "They also ask for diplomatic and economic steps against settlement "
                "building, forced displacement in the West Bank and occupied Jerusalem, "
                "and the blockade of Gaza."
            ),
        ),
    ),
    Win(
        slug="mahmoud-nawajaa-released",
        title="Mahmoud Nawajaa has been released",
        date=REPORT_2021,
        outcome=Outcome.UPDATE,
        summary="The human rights worker taken from his home at night and held in military "
        "detention is free.",
        topics=(PALESTINE,),
        body=(
            p(
                "Supporters added their voices to the internationals and Israelis demanding "
                "he be freed. "
                "He describes his experience on our blog."
            ),
        ),
    ),
)

"""Willow's charitable income for 2026/27: donations, legacies, events, trading and trust grants, by fund and month.

Totals, to the penny (one correction included: a shop's takings banked twice in February, £1,240.00 taken off):

    total                    £1,534,277.20   (113 records)
    restricted                 £262,963.00   Sibling Support Appeal £116,803.00, Hydrotherapy Pool Appeal
                                             £101,160.00, Music Therapy Fund £45,000.00
    unrestricted             £1,271,314.20   General Fund

    donations                  £577,168.70   donations and legacies, non-exchange (Gift Aid claims included)
    legacies                   £302,170.37   donations and legacies, non-exchange
    trust grants               £226,870.00   donations and legacies, non-exchange
    events                     £134,050.00   other trading activities, exchange (entries, tickets)
    trading                    £285,538.50   other trading activities, exchange (shops, lottery)
    other                        £8,479.63   investments (deposit account interest)

With the rest of the demo's income for 2026/27 (£454,835.00: the NHS grant's £310,000.00, Northshire's block
contract, spot packages, personal budgets and ISF fees), statutory income is 22.9% of Willow's income (DOMAIN.md §2:
children's hospices are mostly paid for by charity). Every gift has a fundraising-system id (WCH-…), as an export
of the same gifts would have.
"""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from provider.charity.models import CharitableIncome, SorpHead
from provider.charity.service import record_income
from provider.funders.models import CharitableFund
from provider.users.models import User

AS_OF = date(2027, 4, 10)
MONTHS = [(2026, m) for m in range(4, 13)] + [(2027, m) for m in range(1, 4)]
NEW_FUNDS = [
    ("Hydrotherapy Pool Appeal", "Refitting the hydrotherapy pool, its changing room and its ceiling hoist"),
    ("Music Therapy Fund", "A music therapist's post for two years, for the children and their brothers and sisters"),
]

# Each month, April to March, in pence.
REGULAR_GIVING = [1_812_450, 1_809_320, 1_821_075, 1_818_640, 1_826_310, 1_830_985,
                  1_834_120, 1_829_870, 1_851_260, 1_846_505, 1_848_930, 1_852_415]
ONLINE_AND_POST = [842_560, 915_230, 788_410, 702_365, 655_120, 734_980,
                   812_445, 1_046_730, 2_384_615, 1_562_040, 693_275, 871_920]
IN_MEMORY = [412_500, 386_020, 451_375, 298_640, 367_810, 402_255,
             345_160, 389_900, 476_330, 358_415, 312_780, 399_315]
SHOPS = [1_682_340, 1_755_910, 1_803_265, 1_897_420, 1_934_585, 1_788_650,
         1_822_730, 1_915_480, 2_462_895, 1_604_310, 1_671_920, 1_844_495]
LOTTERY = [523_400, 531_200, 529_800, 534_600, 540_100, 538_800,
           541_300, 545_700, 549_900, 551_200, 552_800, 555_050]
SIBLING_DONATIONS = [118_500, 96_250, 142_000, 87_500, 104_750, 131_200,
                     99_400, 156_800, 212_350, 108_900, 93_650, 142_000]
POOL_DONATIONS = [0, 0, 0, 0, 0, 0, 385_000, 742_500, 1_126_400, 692_300, 538_750, 631_050]

# (day, type, pence, fund, source, gift aid)
ONE_OFFS = [
    (date(2026, 4, 24), "donation", 250_000, "General Fund", "Northfield Rotary Club", False),
    (date(2026, 5, 16), "event", 1_438_000, "General Fund", "Spring Fun Run: entries", False),
    (date(2026, 5, 29), "donation", 1_062_500, "General Fund", "Spring Fun Run: sponsorship", True),
    (date(2026, 5, 20), "trust_grant", 4_500_000, "Music Therapy Fund", "The Harmony Foundation", False),
    (date(2026, 6, 12), "legacy", 4_825_000, "General Fund", "Estate ref L-2026-014", False),
    (date(2026, 6, 20), "event", 4_650_000, "General Fund", "Midsummer Ball: tickets and auction", False),
    (date(2026, 6, 30), "donation", 1_200_000, "General Fund", "Orchard Lane Garage: corporate partner", False),
    (date(2026, 6, 30), "donation", 1_184_500, "General Fund", "HMRC Gift Aid claim to June 2026", False),
    (date(2026, 7, 10), "event", 1_860_000, "General Fund", "Charity golf day", False),
    (date(2026, 7, 22), "trust_grant", 2_000_000, "General Fund", "The Ashworth Charitable Trust", False),
    (date(2026, 8, 19), "legacy", 12_500_000, "General Fund", "Estate ref L-2026-021", False),
    (date(2026, 9, 13), "event", 2_176_000, "General Fund", "Willow Walk: entries", False),
    (date(2026, 9, 18), "trust_grant", 2_500_000, "Sibling Support Appeal", "The Henley Family Trust", False),
    (date(2026, 9, 30), "donation", 1_231_000, "General Fund", "HMRC Gift Aid claim to September 2026", False),
    (date(2026, 9, 30), "donation", 420_000, "General Fund", "Payroll giving, July to September", True),
    (date(2026, 10, 9), "donation", 3_198_000, "General Fund", "Willow Walk: sponsorship", True),
    (date(2026, 10, 21), "legacy", 1_250_000, "General Fund", "Estate ref L-2026-030", False),
    (date(2026, 11, 6), "trust_grant", 6_000_000, "Hydrotherapy Pool Appeal", "Northshire Community Foundation",
     False),
    (date(2026, 11, 25), "trust_grant", 3_987_000, "Sibling Support Appeal", "Children's grant-maker: year 1 of 3",
     False),
    (date(2026, 12, 5), "event", 894_000, "General Fund", "Christmas fair", False),
    (date(2026, 12, 12), "event", 1_122_500, "General Fund", "Santa Dash: entries", False),
    (date(2026, 12, 18), "donation", 1_482_000, "General Fund", "Santa Dash: sponsorship", True),
    (date(2026, 12, 31), "donation", 1_316_500, "General Fund", "HMRC Gift Aid claim to December 2026", False),
    (date(2026, 12, 31), "donation", 435_000, "General Fund", "Payroll giving, October to December", True),
    (date(2027, 1, 15), "legacy", 8_642_037, "General Fund", "Estate ref L-2026-027", False),
    (date(2027, 2, 26), "trust_grant", 3_700_000, "Sibling Support Appeal", "The Northfield Schools Trust", False),
    (date(2027, 3, 4), "legacy", 3_000_000, "General Fund", "Estate ref L-2027-002", False),
    (date(2027, 3, 31), "donation", 1_294_000, "General Fund", "HMRC Gift Aid claim to March 2027", False),
    (date(2027, 3, 31), "donation", 442_000, "General Fund", "Payroll giving, January to March", True),
    (date(2027, 3, 20), "event", 1_264_500, "General Fund", "Spring quiz night", False),
]
INTEREST = [(date(2026, 6, 30), 198_410), (date(2026, 9, 30), 207_385), (date(2026, 12, 31), 215_920),
            (date(2027, 3, 31), 226_248)]


def _funds(session: Session) -> dict[str, CharitableFund]:
    funds = {f.name: f for f in session.exec(select(CharitableFund))}
    for name, purpose in NEW_FUNDS:
        if name not in funds:
            funds[name] = CharitableFund(name=name, restricted=True, purpose=purpose)
            session.add(funds[name])
    session.flush()
    return funds


def _gifts(funds: dict[str, CharitableFund]) -> list[dict]:
    gifts = []

    def gift(day: date, kind: str, pence: int, fund: str, source: str, key: str, gift_aid: bool = False,
             **more) -> None:
        if pence:
            gifts.append({"received_on": day, "amount_pence": pence, "income_type": kind,
                          "fund_id": funds[fund].id, "donor_ref": source, "gift_aid": gift_aid,
                          "external_id": f"WCH-{key}", **more})

    for (year, month), regular, online, memory, shops, lottery, sibling, pool in zip(
            MONTHS, REGULAR_GIVING, ONLINE_AND_POST, IN_MEMORY, SHOPS, LOTTERY, SIBLING_DONATIONS, POOL_DONATIONS):
        first, end, label = date(year, month, 1), date(year, month, 28), date(year, month, 1).strftime("%B %Y")
        code = f"{year}{month:02d}"
        gift(first, "donation", regular, "General Fund", f"Regular giving: direct debits, {label}", f"RG-{code}", True)
        gift(end, "donation", online, "General Fund", f"Online and postal donations, {label}", f"OP-{code}", True)
        gift(end, "donation", memory, "General Fund", f"In-memory giving, {label}", f"IM-{code}", True)
        gift(end, "trading", shops, "General Fund", f"Charity shops' takings, {label}", f"SH-{code}")
        gift(end, "trading", lottery, "General Fund", f"Willow weekly lottery, {label}", f"LO-{code}")
        gift(end, "donation", sibling, "Sibling Support Appeal", f"Sibling support appeal, {label}", f"SS-{code}",
             True)
        gift(end, "donation", pool, "Hydrotherapy Pool Appeal", f"Hydrotherapy pool appeal, {label}",
             f"HP-{code}", True)
    for n, (day, kind, pence, fund, source, gift_aid) in enumerate(ONE_OFFS, start=1):
        gift(day, kind, pence, fund, source, f"{day:%Y%m}-{n:03d}", gift_aid)
    for day, pence in INTEREST:
        gift(day, "other", pence, "General Fund", f"Deposit account interest to {day:%B %Y}", f"INT-{day:%Y%m}",
             sorp_head=SorpHead.investments)
    return sorted(gifts, key=lambda g: (g["received_on"], g["external_id"]))


def build(session: Session, finance_user: User) -> None:
    """Willow's 2026/27 charitable income, posted as finance recorded it, in the caller's unit of work."""
    funds = _funds(session)
    for values in _gifts(funds):
        record_income(session, values, AS_OF, finance_user.id, source="demo")
    twice = session.exec(select(CharitableIncome).where(CharitableIncome.external_id == "WCH-SH-202702")).one()
    record_income(session, {"received_on": date(2027, 3, 8), "amount_pence": -124_000, "corrects_id": twice.id,
                            "notes": "The Northfield shop's takings of 27 February were banked twice: the second "
                                     "banking is taken off."}, AS_OF, finance_user.id, source="demo")

"""Statutory income (DOMAIN.md §2, §7): income recognised in the ledger in a period, by source, with the cash
received beside it, and the statutory share; a year against the year before.

Every figure is an aggregate in SQL: each income account's net credit in the period, and for care the payer
each income line was posted against (the debit side of the same entry). Python then only names the few hundred
(account, payer) rows. Each account's total is shared out in full, so the lines always add up to the net credit
of every `income:` account in the period.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from invoicing.models import BilledInstalment, Invoice, InvoiceLine
from invoicing.payments.models import Allocation
from isf.models import IsfAgreement, IsfReceipt
from provider import references
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.clock import financial_year_label
from provider.dates import short_date
from provider.errors import FieldErrors
from provider.funders.models import Funder, FunderDepartment, FunderKind
from provider.funding.models import Arrangement, BlockContract
from provider.grants.models import BilledGrantInstalment, GrantAward
from reports import income_children
from reports.income_months import CARE_KINDS, IncomeMonth
from provider.ledger import accounts
from provider.ledger.models import LedgerAccount, LedgerEntry, LedgerLine

NHS_GRANT = "NHS children's hospice funding"
BY_KIND = {FunderKind.icb: "ICBs", FunderKind.local_authority: "Councils", FunderKind.nhs_england: "NHS England",
           FunderKind.other: "Other funders"}
PERSONAL, CHARITABLE, OTHER = "Personal budgets", "Charitable income", "Other income"
SECTIONS = (NHS_GRANT, "ICBs", "Councils", "NHS England", PERSONAL, "Other funders", CHARITABLE, OTHER)
STATUTORY = frozenset({NHS_GRANT, "ICBs", "Councils", "NHS England", PERSONAL})   # DOMAIN.md §7

STREAMS = {"spot": "spot packages", "joint": "joint packages",
           "block_overage": "block contracts, units above the volume",
           "commissioner_managed": "commissioner-managed budgets"}
DEPARTMENTS = {"social_care": "social care", "education": "education", "health": "health", "other": "other"}
BUDGETS = {"family": ("Direct payments from families", "paid on the invoices to families and managed accounts"),
           "nominee": ("Direct payments to nominees", "paid on the invoices to nominees"),
           "isf": ("ISF draw-downs", "received into the ISFs, which pay their fees and suppliers from it too"),
           "unnamed": ("Budgets naming no payer", "")}
CHARITY_TYPES = {"donation": "donations", "legacy": "legacies", "event": "events", "trading": "trading",
                 "trust_grant": "trust grants", "other": "other"}


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    label: str


def year_period(year: int, start_month: int = 4) -> Period:
    """The financial year starting in `year`: 1 April 2026 to 31 March 2027 for 2026."""
    first = date(year, start_month, 1)
    return Period(first, first + relativedelta(years=1) - timedelta(days=1), financial_year_label(first, start_month))


def quarter_period(year: int, quarter: int, start_month: int = 4) -> Period:
    """Quarter 1 to 4 of the financial year starting in `year` (Q1 of 2026/27 is April to June 2026)."""
    if quarter not in (1, 2, 3, 4):
        raise FieldErrors({"quarter": "must be 1, 2, 3 or 4"})
    first = date(year, start_month, 1) + relativedelta(months=3 * (quarter - 1))
    last = first + relativedelta(months=3) - timedelta(days=1)
    return Period(first, last, f"{financial_year_label(first, start_month)} Q{quarter} ({first:%B} to {last:%B %Y})")


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise FieldErrors({"month": "must be a month numbered 1 to 12"})
    first = date(year, month, 1)
    return Period(first, first + relativedelta(months=1) - timedelta(days=1), f"{first:%B %Y}")


def period_label(first: date, last: date) -> str:
    """'2026/27' for a whole financial year, 'April to June 2026' for a quarter, 'October 2026' for a month."""
    whole = first.day == 1 and (last + timedelta(days=1)).day == 1
    months = (last.year - first.year) * 12 + last.month - first.month + 1 if whole else 0
    if months == 12:
        return str(first.year) if first.month == 1 else financial_year_label(first, first.month)
    if months == 3:
        return f"{first:%B} to {last:%B %Y}"
    if months == 1:
        return f"{first:%B %Y}"
    return f"{short_date(first)} to {short_date(last)}"


def check_period(first: date, last: date) -> None:
    if last < first:
        raise FieldErrors({"last": f"is {short_date(last)}, before the period starts ({short_date(first)}): a period "
                                   "ends on or after its first day"})


@dataclass(frozen=True)
class Line:
    section: str
    source: str
    stream: str
    reference: str
    pence: int               # income recognised in the period
    cash: int | None         # received in the period; None where it cannot be tied to this line
    note: str = ""           # why the cash is blank, or what it covers
    children: int | None = None   # children the line's income and cash came from (None: from no child, or not counted)

    @property
    def statutory(self) -> bool:
        return self.section in STATUTORY


@dataclass(frozen=True)
class Report:
    first: date
    last: date
    lines: list[Line]
    ledger_pence: int        # the net credit of every income account in the period, as the ledger holds it
    children_counted: bool = False     # read with `children=True`: each line's `children` is set

    @property
    def total(self) -> int:
        return sum(line.pence for line in self.lines)

    @property
    def statutory_pence(self) -> int:
        return sum(line.pence for line in self.lines if line.statutory)

    @property
    def share(self) -> Fraction | None:
        """NHS funding, ICBs, councils and all personal-budget income over all income; None with no income."""
        return Fraction(self.statutory_pence, self.total) if self.total > 0 else None

    @property
    def cash_total(self) -> int:
        return sum(line.cash or 0 for line in self.lines)

    @property
    def label(self) -> str:
        return period_label(self.first, self.last)

    @property
    def ties(self) -> bool:
        return self.total == self.ledger_pence

    @property
    def is_empty(self) -> bool:
        return not self.lines

    def section_totals(self) -> list[tuple[str, int]]:
        return [(s, sum(x.pence for x in self.lines if x.section == s)) for s in SECTIONS
                if any(x.section == s for x in self.lines)]


def _in_period(first: date, last: date):
    return LedgerEntry.posted_on.between(first, last)


def has_income(db: Session, first: date, last: date) -> bool:
    """Whether any income is posted from `first` to `last`."""
    return db.execute(select(LedgerLine.id).join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
                      .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
                      .where(LedgerAccount.code.like(accounts.INCOME + "%"), _in_period(first, last))
                      .limit(1)).first() is not None


def _whole_months(first: date, last: date) -> bool:
    return first.day == 1 and (last + timedelta(days=1)).day == 1


def _kept(db: Session, first: date, last: date) -> tuple[dict[str, tuple[str, int]], list[tuple[str, str | None, int]]]:
    """What `_account_totals` and `_care_payers` give, from the income kept month by month (whole months only)."""
    rows = db.execute(select(IncomeMonth.income_code, IncomeMonth.care, IncomeMonth.payer_code,
                             func.sum(IncomeMonth.pence))
                      .where(IncomeMonth.month.between(first, last))
                      .group_by(IncomeMonth.income_code, IncomeMonth.care, IncomeMonth.payer_code)).all()
    codes = {code for code, _, _, _ in rows}
    names = dict(db.execute(select(LedgerAccount.code, LedgerAccount.name)
                            .where(LedgerAccount.code.in_(codes))).all()) if codes else {}
    totals: dict[str, int] = defaultdict(int)
    care = []
    for code, is_care, payer, pence in rows:
        totals[code] += int(pence)
        if is_care:
            care.append((code, payer or None, int(pence)))
    return {code: (names.get(code, code), pence) for code, pence in totals.items()}, care


def _account_totals(db: Session, first: date, last: date) -> dict[str, tuple[str, int]]:
    """Each income account's name and net credit from the entries posted in the period."""
    rows = db.execute(select(LedgerAccount.code, LedgerAccount.name,
                             func.sum(LedgerLine.credit_pence - LedgerLine.debit_pence))
                      .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
                      .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
                      .where(LedgerAccount.code.like(accounts.INCOME + "%"), _in_period(first, last))
                      .group_by(LedgerAccount.code, LedgerAccount.name))
    return {code: (name, int(pence)) for code, name, pence in rows}


def _care_payers(db: Session, first: date, last: date, by_child: bool) -> list[tuple[str, str | None, object, int]]:
    """(income account, payer account, child or None, net credit) of care delivered: each income line of a care entry
    under the account holding what the payer it names owes; the child it names only `by_child`."""
    keys = (LedgerAccount.code, LedgerLine.payer_ref) + ((LedgerLine.child_id,) if by_child else ())
    rows = db.execute(select(*keys, func.sum(LedgerLine.credit_pence - LedgerLine.debit_pence))
                      .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
                      .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
                      .where(LedgerEntry.kind.in_(CARE_KINDS), _in_period(first, last),
                             LedgerAccount.code.like(accounts.INCOME + "%"))
                      .group_by(*keys))
    found: dict[tuple, int] = defaultdict(int)
    for row in rows:
        found[(row[0], accounts.holding_code(row[1]) or None, row[2] if by_child else None)] += int(row[-1])
    return [(*key, pence) for key, pence in found.items()]


def _children_of_cash(db: Session, first: date, last: date) -> dict[tuple, set]:
    """The children whose invoices were paid in the period (by the cash key the payment counts under), and whose
    ISFs received money in it."""
    found: dict[tuple, set] = defaultdict(set)
    for payer_ref, child_id in db.execute(select(Invoice.payer_ref, InvoiceLine.child_id).distinct()
                                          .select_from(Allocation)
                                          .join(Invoice, Invoice.id == Allocation.invoice_id)
                                          .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
                                          .where(Allocation.allocated_on.between(first, last),
                                                 InvoiceLine.child_id.is_not(None))):
        found[_payer_key(payer_ref)].add(child_id)
    for (child_id,) in db.execute(select(Arrangement.child_id).distinct().select_from(Arrangement)
                                  .join(IsfAgreement, IsfAgreement.arrangement_id == Arrangement.id)
                                  .join(IsfReceipt, IsfReceipt.agreement_id == IsfAgreement.id)
                                  .where(IsfReceipt.received_on.between(first, last))):
        found[("isf",)].add(child_id)
    return found


def _children_charged_fees(db: Session, first: date, last: date) -> set:
    """The children whose ISFs' fees are among the period's income: those the `isf:` lines of the fee entries name."""
    fee_line, fee_account = aliased(LedgerLine), aliased(LedgerAccount)
    return set(db.execute(select(LedgerLine.child_id).distinct()
                          .select_from(fee_account)
                          .join(fee_line, fee_line.account_id == fee_account.id)
                          .join(LedgerEntry, LedgerEntry.id == fee_line.entry_id)
                          .join(LedgerLine, LedgerLine.entry_id == fee_line.entry_id)
                          .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
                          .where(fee_account.code == income_children.FEES,
                                 LedgerAccount.code.like(accounts.ISF_HELD + "%"),
                                 LedgerLine.child_id.is_not(None), _in_period(first, last))).scalars())


def _children_of_blocks(db: Session, first: date, last: date) -> dict[str, set]:
    """Each block contract's children: those whose care in the period it paid for, in whole or in part."""
    found: dict[str, set] = defaultdict(set)
    for ref, child_id in db.execute(select(ChargePart.arrangement_ref, Charge.child_id).distinct()
                                    .join(Charge, Charge.id == ChargePart.charge_id)
                                    .where(ChargePart.kind == "block", Charge.state == ChargeState.current,
                                           Charge.day.between(first, last))):
        found[str(references.contract_of(ref))].add(child_id)
    return found


def _cash(db: Session, first: date, last: date) -> dict[tuple, tuple[int, str]]:
    """Payments allocated in the period, by what they paid: a grant award's invoices, a block contract's, a
    funder's (department's) care invoices, families', nominees'; and the ISFs' receipts. Value: (pence, payer)."""
    paid = (select(Allocation.invoice_id, func.sum(Allocation.pence).label("pence"))
            .where(Allocation.allocated_on.between(first, last)).group_by(Allocation.invoice_id).subquery())
    paid_ids = select(paid.c.invoice_id)
    blocks = (select(InvoiceLine.invoice_id, BilledInstalment.contract_id)
              .join(BilledInstalment, BilledInstalment.line_id == InvoiceLine.id)
              .where(InvoiceLine.invoice_id.in_(paid_ids)).distinct().subquery())
    grants = (select(InvoiceLine.invoice_id, BilledGrantInstalment.award_id)
              .join(BilledGrantInstalment, BilledGrantInstalment.line_id == InvoiceLine.id)
              .where(InvoiceLine.invoice_id.in_(paid_ids)).distinct().subquery())
    rows = db.execute(select(Invoice.payer_ref, blocks.c.contract_id, grants.c.award_id, func.max(Invoice.payer_name),
                             func.sum(paid.c.pence))
                      .select_from(paid)
                      .join(Invoice, Invoice.id == paid.c.invoice_id)
                      .outerjoin(blocks, blocks.c.invoice_id == Invoice.id)
                      .outerjoin(grants, grants.c.invoice_id == Invoice.id)
                      .group_by(Invoice.payer_ref, blocks.c.contract_id, grants.c.award_id))
    found: dict[tuple, tuple[int, str]] = {}
    for payer_ref, contract_id, award_id, name, pence in rows:
        if award_id is not None:
            key = ("grant", str(award_id))
        elif contract_id is not None:
            key = ("block", str(contract_id))
        else:
            key = _payer_key(payer_ref)
        found[key] = (found.get(key, (0, name))[0] + int(pence), name)
    received = db.execute(select(func.sum(IsfReceipt.pence)).where(IsfReceipt.received_on.between(first, last)))
    isf = received.scalar()
    if isf:
        found[("isf",)] = (int(isf), "")
    return found


def _payer_key(ref: str | None) -> tuple:
    """A payer's account code (accrued:funder:<id>[:<department>], isf:<arrangement>, ...) or payer ref, as the key
    its lines and its cash share."""
    if ref is None:
        return ("none",)
    if accounts.is_isf_held(ref):
        return ("isf",)
    payer = accounts.payer_of_accrued(ref)
    kind = references.kind_of(payer)
    if kind == references.FUNDER:
        found = references.try_payer(payer)
        if found is None:
            return ("other", ref)
        return ("funder", str(found.id), str(found.department) if found.department else None)
    if kind in ("family", "nominee"):
        return (kind,)
    return ("unnamed",) if kind == "arrangement" else ("other", ref)


def _ids(keys, kind: str, at: int = 1) -> list[uuid.UUID]:
    found = []
    for key in keys:
        if len(key) > at and key[0] == kind and key[at]:
            try:
                found.append(uuid.UUID(key[at]))
            except ValueError:     # not a code Lantern writes: its line falls to "Other income"
                pass
    return found


class _Names:
    """The funders, departments, contracts and awards the rows name, read once each."""

    def __init__(self, db: Session, funder_keys, contract_ids: list[uuid.UUID], award_ids: list[uuid.UUID]):
        self.contracts = {str(c.id): c for c in _rows(db, BlockContract, contract_ids)}
        self.awards = {str(a.id): a for a in _rows(db, GrantAward, award_ids)}
        funder_ids = _ids(funder_keys, "funder") + [c.funder_id for c in self.contracts.values()] + \
            [a.paid_by_id for a in self.awards.values()]
        self.funders = {str(f.id): f for f in _rows(db, Funder, funder_ids)}
        self.departments = {str(d.id): d for d in _rows(db, FunderDepartment, _ids(funder_keys, "funder", 2))}

    def funder(self, funder_id) -> tuple[str, str]:
        found = self.funders.get(str(funder_id))
        return (BY_KIND.get(found.kind, "Other funders"), found.name) if found else ("Other funders", "unknown funder")

    def department(self, department_id: str | None) -> str:
        found = self.departments.get(department_id or "")
        return f" ({DEPARTMENTS.get(found.kind, found.kind)})" if found else ""


def _rows(db: Session, model, ids: list):
    return db.execute(select(model).where(model.id.in_(list(set(ids))))).scalars().all() if ids else []


def _care_key(names: _Names, stream: str, payer: tuple) -> tuple[tuple, tuple | None, str]:
    """The line (section, source, stream, reference) care income goes on, its cash key and note."""
    if payer[0] == "funder":
        section, name = names.funder(payer[1])
        label = STREAMS.get(stream, stream.replace("_", " "))
        if section == "Councils" and stream == "commissioner_managed":
            label = "managed budgets"
        return (section, name, label + names.department(payer[2]), ""), payer, ""
    if payer[0] in ("family", "nominee", "isf"):
        return (PERSONAL, BUDGETS[payer[0]][0], "care delivered", ""), payer, BUDGETS[payer[0]][1]
    if payer[0] == "unnamed":
        return (PERSONAL, BUDGETS["unnamed"][0], "care delivered", ""), None, "no one is invoiced: no cash to tie"
    return (OTHER, f"care ({stream.replace('_', ' ')})", "no payer found", ""), None, \
        "its ledger entry names no payer"


def _cash_only_key(names: _Names, key: tuple, payer_name: str) -> tuple:
    """The line for cash received in the period against income recognised before it."""
    if key[0] == "grant":
        award = names.awards[key[1]]
        return (NHS_GRANT, names.funder(award.paid_by_id)[1], "grant award", award.reference)
    if key[0] == "block":
        contract = names.contracts[key[1]]
        return (*names.funder(contract.funder_id), "block contract", contract.reference)
    if key[0] == "funder":
        return (*names.funder(key[1]), "care recognised earlier" + names.department(key[2]), "")
    if key[0] in BUDGETS:
        return (PERSONAL, BUDGETS[key[0]][0], "care delivered", "")
    return (OTHER, f"payments from {payer_name}", "care recognised earlier", "")


def _other_key(names: _Names, code: str, name: str) -> tuple[tuple, tuple | None, str]:
    """The line, cash key and note of an income account that is not care: grant, block, charity, fees, waived."""
    kind, key, fund = accounts.income_kind(code)
    if kind == "grant" and key in names.awards:
        award = names.awards[key]
        return (NHS_GRANT, names.funder(award.paid_by_id)[1], "grant award", award.reference), ("grant", key), ""
    if kind == "block" and key in names.contracts:
        contract = names.contracts[key]
        return (*names.funder(contract.funder_id), "block contract", contract.reference), ("block", key), ""
    if kind == "charitable" and fund:
        fund = "Restricted funds" if fund == "restricted" else "Unrestricted funds"
        return ((CHARITABLE, fund, CHARITY_TYPES.get(key, key.replace("_", " ")), ""), None,
                "not invoiced: its money is in the fundraising records")
    if code == accounts.ISF_FEES_CODE:
        return (PERSONAL, "ISF management fees", "taken from the ISFs", ""), None, \
            "taken from money already received into the ISFs"
    if code == accounts.WAIVED_CODE:
        return (OTHER, "Income waived", "waivers approved on invoices", ""), None, "income given up: no money"
    return (OTHER, name, "", ""), None, "not tied to payments"


def statutory_income(db: Session, first: date, last: date, children: bool = False) -> Report:
    """Income recognised from `first` to `last` by source, with the cash received beside it, tied to the ledger.

    Recognised by the entry's posted_on, not its service date: a closed month takes no postings and a late change
    posts in the first open month (its service date kept), so a month, quarter or year once closed keeps its
    figures and agrees with the trial balance and year-end schedules, which also go by posted_on.

    With `children`, each line also counts the children its income and cash came from, for the small numbers
    trustees may not see (reports/trustee.py); the NHS grant, charitable income, fees and waivers come from none.
    """
    check_period(first, last)
    if _whole_months(first, last):
        totals, kept_care = _kept(db, first, last)
        care_children, fees, blocks = income_children.between(db, first, last) if children else ({}, set(), {})
        care = [(code, _payer_key(payer), care_children.get((code, payer or ""), ()), pence)
                for code, payer, pence in kept_care]
        netted = {(code, payer or "") for code, payer, _ in kept_care}    # care that came to nothing had children too
        care += [(code, _payer_key(payer or None), found, 0)
                 for (code, payer), found in care_children.items() if (code, payer) not in netted]
    else:
        totals = _account_totals(db, first, last)
        care = [(code, _payer_key(payer), () if child is None else (child,), pence)
                for code, payer, child, pence in _care_payers(db, first, last, children)]
        fees, blocks = set(), {}
        if children:
            fees, blocks = _children_charged_fees(db, first, last), _children_of_blocks(db, first, last)
    cash = _cash(db, first, last)
    care_codes = {code for code, _, _, _ in care}
    others = [accounts.income_kind(code) for code in totals if code not in care_codes]
    names = _Names(db, [p for _, p, _, _ in care] + list(cash), _ids(others, "block") + _ids(cash, "block"),
                   _ids(others, "grant") + _ids(cash, "grant"))
    pence: dict[tuple, int] = defaultdict(int)
    cash_of: dict[tuple, tuple] = {}
    notes: dict[tuple, str] = {}
    whose: dict[tuple, set] = defaultdict(set)      # line -> its children, only with `children`

    def add(key: tuple, amount: int, cash_key: tuple | None, note: str = "") -> None:
        pence[key] += amount
        if cash_key is not None:
            cash_of[key] = cash_key
        if note:
            notes[key] = note

    paired: dict[str, int] = defaultdict(int)
    for code, payer, its_children, amount in care:
        key, cash_key, note = _care_key(names, accounts.income_kind(code).kind, payer)
        add(key, amount, cash_key, note)
        paired[code] += amount
        if its_children:
            whose[key].update(its_children)
    for code, (name, amount) in totals.items():
        if code not in paired:
            key, cash_key, note = _other_key(names, code, name)
            add(key, amount, cash_key, note)
            if cash_key and cash_key[0] == "block" and blocks.get(cash_key[1]):
                whose[key] |= blocks[cash_key[1]]
            if code == income_children.FEES and fees:
                whose[key] |= fees
        elif amount != paired[code]:    # lines of a care account outside care entries
            add((OTHER, name, "outside care entries", ""), amount - paired[code], None, "not tied to payments")
    for cash_key, (_, payer_name) in cash.items():
        if cash_key not in cash_of.values():
            add(_cash_only_key(names, cash_key, payer_name), 0, cash_key)
    if children:
        paid_for = _children_of_cash(db, first, last)
        for key, cash_key in cash_of.items():
            if cash_key[0] not in ("grant", "block"):    # care's cash: children not found count as none, so fewer
                whose[key] |= paid_for.get(cash_key, set())
    lines = _lines(pence, cash_of, notes, cash)
    if children:
        lines = [replace(x, children=len(whose[_key(x)])) if _key(x) in whose else x for x in lines]
    return Report(first, last, lines, sum(amount for _, amount in totals.values()), children)


def _key(line: Line) -> tuple:
    return (line.section, line.source, line.stream, line.reference)


def _order(key: tuple) -> tuple:
    return (SECTIONS.index(key[0]), key[1], key[2], key[3])


def _lines(pence: dict[tuple, int], cash_of: dict[tuple, tuple], notes: dict[tuple, str],
           cash: dict[tuple, tuple[int, str]]) -> list[Line]:
    """The report's lines in order, each with its cash; cash paid for several lines at once (a funder's care
    invoices covering spot packages and managed budgets) stands beside the first of them, saying so."""
    sharing: dict[tuple, list[tuple]] = defaultdict(list)
    for key, cash_key in cash_of.items():
        sharing[cash_key].append(key)
    lines = []
    for key in sorted(pence, key=_order):
        note, cash_key = notes.get(key, ""), cash_of.get(key)
        received = cash.get(cash_key, (0, ""))[0] if cash_key else None
        together = sorted(sharing[cash_key], key=_order) if cash_key else []
        if len(together) > 1 and received:
            if key == together[0]:
                note = "received for all of: " + ", ".join(k[2] for k in together)
            else:
                received, note = None, f"in the cash beside {together[0][2]}"
        if pence[key] or received:
            lines.append(Line(*key, pence[key], received, note))
    return lines


@dataclass(frozen=True)
class Compared:
    section: str
    source: str
    stream: str
    this_year: int
    last_year: int

    @property
    def change(self) -> int:
        return self.this_year - self.last_year


@dataclass(frozen=True)
class YearOnYear:
    this: Report
    last: Report
    lines: list[Compared]


def compare(db: Session, year: int, start_month: int = 4) -> YearOnYear:
    """The financial year starting in `year` beside the year before, line by line (a funder's block contracts of
    each year, say, on one line)."""
    reports = [statutory_income(db, p.first, p.last) for p in (year_period(year, start_month),
                                                              year_period(year - 1, start_month))]
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for i, report in enumerate(reports):
        for line in report.lines:
            sums[(line.section, line.source, line.stream)][i] += line.pence
    keys = sorted((k for k, v in sums.items() if any(v)), key=lambda k: _order((*k, "")))
    return YearOnYear(*reports, [Compared(*k, *sums[k]) for k in keys])

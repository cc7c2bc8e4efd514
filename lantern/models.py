"""Imports every table so that SQLModel.metadata (and so Alembic) knows them all."""
from provider.audit.models import AuditEvent  # noqa: F401
from provider.base import SystemState  # noqa: F401
from provider.catalogue.models import PricePeriod, Service  # noqa: F401
from provider.funders.models import CharitableFund, Funder, FunderCode, FunderDepartment, FundService  # noqa: F401
from provider.organisation.models import BankAccount, ColumnMap, Holiday, ProviderSettings  # noqa: F401
from provider.people.models import (  # noqa: F401
    BereavementHold, Child, ChildRelationship, FamilyMember, HoldRelease, Nomination, Nominee,
)
from provider.users.models import ApiToken, LoginSession, User  # noqa: F401
from provider.people.family_access import FamilyAccess  # noqa: F401
from provider.people.questions import FamilyQuestion  # noqa: F401
from provider.people.invitations import EmailedLink  # noqa: F401
from provider.bookings.models import Booking, BookingRules, BookingUnit, Recurrence  # noqa: F401
from provider.charges.models import Charge, ChargePart  # noqa: F401
from provider.funding.models import (  # noqa: F401
    Arrangement, ArrangementRate, ArrangementService, ArrangementShare, BlockContract, BlockContractChild,
    BlockContractService, ChildPriority, PriorityRule,
)
from provider.ledger.models import AccountingPeriod, LedgerAccount, LedgerEntry, LedgerLine  # noqa: F401
from reports.income_children import IncomeChildMonth  # noqa: F401
from reports.income_months import IncomeMonth  # noqa: F401
from provider.numbering import NumberSeries  # noqa: F401
from provider.mail import MessageOutcome, SentMessage  # noqa: F401
from invoicing.models import (  # noqa: F401
    BilledInstalment, BilledPart, ContractSettlement, CreditNote, CreditNoteLine, Document, ExpectedPart,
    ExpectedPayment, Invoice, InvoiceLine,
)
from provider.grants.models import BilledGrantInstalment, GrantAward  # noqa: F401
from provider.charity.models import CharitableIncome  # noqa: F401
from provider.bank.models import BankImport, BankLine  # noqa: F401
from invoicing.payments.models import (  # noqa: F401
    Allocation, DebtAdjustment, Dispute, NominalCode, Payment, Refund, Reminder,
)
from isf.models import (  # noqa: F401
    Advance, Evidence, IsfAgreement, IsfOutcome, IsfReceipt, IsfSource, IsfSpend, RepaymentNotice, Supplier,
)

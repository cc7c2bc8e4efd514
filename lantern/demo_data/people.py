"""The children of DOMAIN.md §10 with their families and Chloe's nominee, and made-up families around them."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, select

from lantern.demo_data import names
from lantern.demo_data.funders import DemoFunders
from lantern.demo_data.nhs_numbers import nhs_numbers
from provider.funders.models import Funder
from provider.people import holds
from provider.people.family_access import AccessBasis, FamilyAccess
from provider.people.models import (Child, ChildRelationship, ChildStatus, FamilyMember, Nomination, Nominee,
                                    NomineeKind, Relationship)
from provider.people.nhs import normalise_nhs_number
from provider.users.models import User

OTHER_CHILDREN = 38
SCENARIO_SURNAMES = {"Haddad", "Carter", "Wilson", "Patel", "Thompson"}
OLDEST_BIRTH, YOUNGEST_BIRTH = date(2009, 1, 1), date(2026, 10, 31)


@dataclass
class Family:
    """One household: every relative added is related to every child added after them."""

    address: str
    key_worker: User
    relatives: list[tuple[FamilyMember, Relationship, bool]] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    links: list[ChildRelationship] = field(default_factory=list)

    def member(self, name: str, relationship: Relationship, responsible: bool = False, **fields) -> FamilyMember:
        person = FamilyMember(name=name, address=self.address, **fields)
        self.relatives.append((person, relationship, responsible))
        return person

    def child(self, nhs_number: str, council: Funder, icb: Funder, **fields) -> Child:
        child = Child(nhs_number=normalise_nhs_number(nhs_number), home_authority_id=council.id, icb_id=icb.id,
                      key_worker_id=self.key_worker.id, **fields)
        self.links += [ChildRelationship(child_id=child.id, family_member_id=person.id, relationship=relationship,
                                         parental_responsibility=responsible)
                       for person, relationship, responsible in self.relatives]
        self.children.append(child)
        return child

    def add_to(self, session: Session) -> None:
        session.add_all([person for person, _, _ in self.relatives])
        session.add_all(self.children)

    def add_links_to(self, session: Session) -> None:
        session.add_all(self.links)


def brightway() -> Nominee:
    return Nominee(kind=NomineeKind.organisation, name="Brightway Direct Payment Support",
                   contact_name="Direct payments team", address="Brightway House\n4 Canal Street\nEastvale\nEV1 4BW",
                   email="payments@brightway.example", phone="01632 960 550",
                   notes="Holds personal health budget direct payments as nominee for several families.")


def build(session: Session, funders: DemoFunders, key_worker: User, family_user: User) -> dict[str, Child]:
    """The five families of DOMAIN.md §10, then made-up ones; returns the named children by first name."""
    f = funders
    numbers = nhs_numbers(999_200_000)
    named: dict[str, Child] = {}

    haddad = Family("14 Meadow Way\nNorthfield\nNF4 3QJ", key_worker)
    leila = haddad.member("Leila Haddad", Relationship.mother, True, email=family_user.email, phone="07700 900 114",
                          user_id=family_user.id)
    haddad.member("Sam Haddad", Relationship.sibling, date_of_birth=date(2013, 9, 2))
    named["Amira"] = haddad.child(next(numbers), f.northshire, f.riverside, first_name="Amira", last_name="Haddad",
                                  date_of_birth=date(2016, 6, 14), council_reference="NS-208341")

    carter = Family("27 Brook Street\nBramford\nBR3 7LD", key_worker)
    carter.member("Joanne Carter", Relationship.mother, True, email="joanne.carter@example.com",
                  phone="07700 900 231")
    carter.member("Paul Carter", Relationship.father, True, phone="07700 900 232")
    named["Ben"] = carter.child("999 000 0018", f.eastvale, f.riverside, first_name="Benjamin", last_name="Carter",
                                preferred_name="Ben", date_of_birth=date(2012, 2, 21))

    wilson = Family("3 Hawthorn Close\nOakhurst\nEV6 2NP", key_worker)
    chloe_father = wilson.member("Mark Wilson", Relationship.father, True, email="mark.wilson@example.com",
                                 phone="07700 900 318")
    named["Chloe"] = wilson.child(next(numbers), f.eastvale, f.riverside, first_name="Chloe", last_name="Wilson",
                                  date_of_birth=date(2014, 11, 8))

    patel = Family("88 Victoria Road\nEastvale\nEV2 5HT", key_worker)
    patel.member("Priya Patel", Relationship.mother, True, email="priya.patel@example.com", phone="07700 900 402")
    patel.member("Rohan Patel", Relationship.father, True, phone="07700 900 403")
    named["Dev"] = patel.child(next(numbers), f.eastvale, f.riverside, first_name="Dev", last_name="Patel",
                               date_of_birth=date(2018, 3, 30), council_reference="EV-104233")

    thompson = Family("5 Church Lane\nKingsmere\nKM2 8RA", key_worker)
    thompson.member("Claire Thompson", Relationship.mother, True, email="claire.thompson@example.com",
                    phone="07700 900 515")
    thompson.member("David Thompson", Relationship.father, True, phone="07700 900 516")
    thompson.member("Grace Thompson", Relationship.sibling, date_of_birth=date(2016, 4, 19))
    named["Ellie"] = thompson.child(next(numbers), f.northshire, f.hillshire, first_name="Eleanor",
                                    last_name="Thompson", preferred_name="Ellie", date_of_birth=date(2019, 7, 12),
                                    status=ChildStatus.died, status_date=date(2026, 11, 20))

    families = [haddad, carter, wilson, patel, thompson]
    nominee = brightway()
    session.add(nominee)
    families += _made_up_families(random.Random(2027), f, key_worker, numbers)
    for family in families:
        family.add_to(session)
    session.flush()  # the rows have no ORM relationships: parents are written before the rows that refer to them
    for family in families:
        family.add_links_to(session)
    session.add(Nomination(nominee_id=nominee.id, child_id=named["Chloe"].id,
                           budget="Personal health budget — Riverside ICB",
                           nominated_by=f"{chloe_father.name} (father)",
                           received_on=date(2026, 3, 2)))
    _other_nominations(session, families[5:], f)
    session.flush()
    session.add(FamilyAccess(child_id=named["Amira"].id, family_member_id=leila.id,
                             basis=AccessBasis.parental_responsibility, statements=True, invoices=True, bookings=True,
                             note="Amira's mother: everything of Amira's and the invoices addressed to her",
                             granted_by_id=key_worker.id))
    return named


def _made_up_families(rng: random.Random, f: DemoFunders, key_worker: User, numbers) -> list[Family]:
    references: set[str] = {"NS-208341", "EV-104233"}
    surnames = rng.sample([name for name in names.SURNAMES if name not in SCENARIO_SURNAMES], OTHER_CHILDREN)
    placed = 0
    households: list[Family] = []
    while placed < OTHER_CHILDREN:
        council = f.northshire if placed % 2 == 0 else f.eastvale
        icbs = [f.riverside, f.hillshire] if council is f.northshire else [f.riverside, f.riverside, f.hillshire]
        icb = rng.choice(icbs)
        surname = surnames[placed]
        family = Family(_address(rng, council.name), key_worker)
        _parents(rng, family, surname)
        for _ in range(rng.choice([0, 0, 1, 1, 1, 2])):
            first = rng.choice(names.GIRLS + names.BOYS)
            family.member(f"{first} {surname}", Relationship.sibling, date_of_birth=_birthday(rng))
        for _ in range(2 if placed in (6, 17, 29) else 1):  # three households with two children at Willow
            status, status_date, born = _status(rng, placed)
            first = rng.choice(names.GIRLS if rng.random() < 0.5 else names.BOYS)
            family.child(next(numbers), council, icb, first_name=first, last_name=surname, date_of_birth=born,
                         preferred_name=names.NICKNAMES.get(first) if rng.random() < 0.5 else None,
                         council_reference=_reference(rng, council, references) if rng.random() < 0.75 else None,
                         status=status, status_date=status_date)
            placed += 1
        households.append(family)
    return households


def _parents(rng: random.Random, family: Family, surname: str) -> None:
    shape = rng.random()
    mother, father = rng.choice(names.MOTHERS), rng.choice(names.FATHERS)
    contact = lambda first: {"email": _email(first, surname), "phone": f"07700 900 {rng.randrange(600, 999)}"}
    if shape < 0.6:
        family.member(f"{mother} {surname}", Relationship.mother, True, **contact(mother))
        family.member(f"{father} {surname}", Relationship.father, True, phone=f"07700 900 {rng.randrange(600, 999)}")
    elif shape < 0.85:
        family.member(f"{mother} {surname}", Relationship.mother, True, **contact(mother))
    elif shape < 0.93:
        family.member(f"{father} {surname}", Relationship.father, True, **contact(father))
    else:
        carer, carer_surname = rng.choice(names.MOTHERS), rng.choice(names.SURNAMES)
        family.member(f"{carer} {carer_surname}", Relationship.foster_carer, False,
                      email=_email(carer, carer_surname), phone=f"07700 900 {rng.randrange(600, 999)}",
                      notes="Foster carer; Northshire or Eastvale children's services hold parental responsibility.")


def _status(rng: random.Random, placed: int) -> tuple[ChildStatus, date | None, date]:
    if placed in (4, 21):
        born = date(2009, 1 + placed % 3, 10 + placed % 15)
        return ChildStatus.adult_services, born.replace(year=2027), born
    born = _birthday(rng)
    if placed in (11, 33):
        died = date(2025, 3, 1) + timedelta(days=rng.randrange(0, 700))
        return ChildStatus.died, died, min(born, died - timedelta(days=3 * 365))
    return ChildStatus.active, None, born


def _birthday(rng: random.Random) -> date:
    return OLDEST_BIRTH + timedelta(days=rng.randrange((YOUNGEST_BIRTH - OLDEST_BIRTH).days))


def _reference(rng: random.Random, council: Funder, taken: set[str]) -> str:
    prefix = "NS-2" if council.name.startswith("Northshire") else "EV-1"
    while True:
        reference = f"{prefix}{rng.randrange(0, 100000):05d}"
        if reference not in taken:
            taken.add(reference)
            return reference


def _address(rng: random.Random, council_name: str) -> str:
    town, area = rng.choice(names.TOWNS[council_name.split()[0]])
    letters = names.POSTCODE_LETTERS
    postcode = f"{area}{rng.randrange(1, 9)} {rng.randrange(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    return f"{rng.randrange(1, 120)} {rng.choice(names.STREETS)}\n{town}\n{postcode}"


def _email(first: str, last: str) -> str:
    return re.sub(r"[^a-z.]", "", f"{first}.{last}".lower()) + "@example.com"


def _other_nominations(session: Session, households: list[Family], f: DemoFunders) -> None:
    trust = Nominee(kind=NomineeKind.organisation, name="Northshire Independent Living Trust",
                    contact_name="Payments officer", address="The Old Library\nHigh Street\nAshby Cross\nAC1 2TL",
                    email="payments@nilt.example", phone="01632 960 610")
    carers = Nominee(kind=NomineeKind.organisation, name="Eastvale Carers' Support Service",
                     contact_name="Budget support team", address="12 Market Place\nBramford\nBR1 1MP",
                     email="budgets@eastvalecarers.example", phone="01632 960 620")
    friend = Nominee(kind=NomineeKind.person, name="Margaret Bell", address="9 Elm Grove\nNorthfield\nNF2 6EG",
                     email="margaret.bell@example.com", phone="07700 900 101",
                     notes="A family friend nominated to receive a personal health budget.")
    session.add_all([trust, carers, friend])
    session.flush()
    # (nominee, the child's council, kind of budget, received, withdrawn)
    plans = [(trust, f.northshire, "SEN personal budget", date(2025, 9, 1), None),
             (trust, f.northshire, "Personal health budget", date(2026, 1, 15), None),
             (carers, f.eastvale, "Personal health budget", date(2025, 6, 10), date(2026, 9, 30)),
             (friend, f.northshire, "Personal health budget", date(2026, 5, 4), None)]
    funder_names = {funder.id: funder.name for funder in (f.northshire, f.eastvale, f.riverside, f.hillshire)}
    candidates = [(family.children[0], parent) for family in households[1::3]
                  for parent, _, responsible in family.relatives[:1] if responsible]
    for nominee, council, budget, received, withdrawn in plans:
        child, parent = next((c, p) for c, p in candidates if c.home_authority_id == council.id)
        candidates.remove((child, parent))
        payer = child.home_authority_id if budget.startswith("SEN") else child.icb_id
        session.add(Nomination(nominee_id=nominee.id, child_id=child.id, budget=f"{budget} — {funder_names[payer]}",
                               nominated_by=parent.name, received_on=received, withdrawn_on=withdrawn))


def holds_for_the_bereaved(session: Session, ellie: Child, coordinator: User) -> None:
    """Scenario 5: staff start Ellie's family's hold when end-of-life care begins; every other child who has died
    has the hold Lantern starts when a death is recorded."""
    holds.start_hold(session, ellie, coordinator.name, {"reason": "End-of-life care began."}, on=date(2026, 11, 16))
    for child in session.exec(select(Child).where(Child.status == ChildStatus.died, Child.id != ellie.id)):
        holds.death_recorded(session, child)

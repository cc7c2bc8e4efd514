"""A payer's remittance text cannot freeze Lantern (issue 20, seen 1): statement lines are bounded when a file is
imported, the invoice numbers a line names are read once then by a pattern whose time grows with the text's length
only, and a camt.053 with a DOCTYPE, in any encoding, is refused before any entity is expanded.
"""
from __future__ import annotations

import pytest
from sqlmodel import select

from invoicing.bank_lines import views
from provider import numbering
from provider.bank import importing
from provider.bank.models import BankImport, BankLine
from provider.errors import FieldErrors
from tests.conftest import api, post_form
from tests.test_bank_import import count, load, read, text_of, unmatched, willow  # noqa: F401  (the fixture)

HEADER = "Date,Type,Reference,Description,Paid in,Paid out,Balance\r\n"
FIRST = "02/03/2027,DD,NW-88213-04,NORTHSHIRE WATER,,84.20,100.00\r\n"


def statement(reference: str, description: str) -> bytes:
    """The Operating account's CSV: a bill paid, then £37,500 in with the reference and description given."""
    return (HEADER + FIRST + f'03/03/2027,FPI,"{reference}","{description}","37,500.00",,"37,600.00"\r\n').encode()


def nothing_imported(db, imports: int, lines: int) -> bool:
    return count(db, BankImport) == imports and count(db, BankLine) == lines


def test_a_description_of_60000_letters_is_refused_naming_the_line_and_the_field_and_nothing_is_imported(
        client, willow, signed_in):  # noqa: F811
    signed_in("finance")
    imports, lines = count(willow, BankImport), count(willow, BankLine)
    made = api(client, "POST", "/api/bank-imports", data={"account": "Operating"},
               files={"file": ("remittance.csv", statement("NCC", "A" * 60_000), "text/csv")})
    assert made.status_code == 422
    assert made.json()["errors"] == [{"field": "file", "message": (
        "Line 3: the description is 60,000 characters long: a statement line's description is at most 2,000. "
        "Nothing was imported from this file.")}]
    assert nothing_imported(willow, imports, lines)

    page = post_form(client, "/bank/imports", {"account_id": str(importing.account_by_label(willow, "Operating").id)},
                     files={"file": ("remittance.csv", statement("A" * 201, "NCC"), "text/csv")})
    assert page.status_code == 422
    assert ("Line 3: the reference is 201 characters long: a statement line's reference is at most 200."
            in text_of(page))
    assert nothing_imported(willow, imports, lines)


def test_a_cell_longer_than_the_csv_reader_takes_is_refused_not_a_server_error(client, willow, signed_in):  # noqa: F811
    signed_in("finance")
    imports, lines = count(willow, BankImport), count(willow, BankLine)
    made = api(client, "POST", "/api/bank-imports", data={"account": "Operating"},
               files={"file": ("huge.csv", statement("NCC", "A" * 200_000), "text/csv")})
    assert made.status_code == 422
    [error] = made.json()["errors"]
    assert error["field"] == "file" and "the CSV cannot be read (field larger than field limit" in error["message"]
    assert error["message"].endswith("Nothing was imported from this file.")
    assert nothing_imported(willow, imports, lines)


def test_the_longest_run_of_capitals_a_line_may_hold_still_names_its_invoice(willow):  # noqa: F811
    record = load(willow, "worst.csv", data=statement("X" * 187 + "INV2627000017",
                                                      "REMITTANCE " + "Q" * 1_976 + "INV2627000017"))
    assert (record.lines_in_file, record.lines_new) == (2, 2)
    row = unmatched(willow, "X" * 187 + "INV2627000017")
    assert (row.line.reference_numbers, row.line.description_numbers) == ("XINV2627000017", "QINV2627000017")
    [suggestion] = row.suggestions
    assert suggestion.why == "The reference names INV2627000017"
    assert [(o.number, pence) for o, pence in suggestion.pays] == [("INV2627000017", 3_750_000)]


def test_a_run_of_60000_capitals_names_no_number_and_one_at_its_end_names_just_that_one():
    assert numbering.named_numbers("A" * 60_000) == ""
    assert numbering.named_numbers("A" * 60_000 + " inv 2627-000017") == "AINV2627000017"
    assert numbering.named_numbers("7" * 60_000) == " ".join(["7" * 10] * 6_000)


def test_the_numbers_a_line_names_are_read_when_it_is_imported_not_at_every_look(willow, monkeypatch):  # noqa: F811
    load(willow, "paid_in_out.csv")

    class Unread:
        def finditer(self, text):
            raise AssertionError("a line's text was read again when the lines were shown")

    monkeypatch.setattr(numbering, "NAMED", Unread())
    row = unmatched(willow, "NCC inv 2627-000017")
    assert [s.why for s in row.suggestions][0] == "The reference names INV2627000017"


def camt_with_doctype(entities: str, body: str) -> str:
    xml = read("camt053.xml").decode()
    xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    xml = xml.replace("<Document ", f"<!DOCTYPE Document [{entities}]>\n<Document ", 1)
    return xml.replace("SHORT BREAKS Q4", body, 1)


BILLION_LAUGHS = "".join(['<!ENTITY lol0 "lol">'] + [
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)])


def test_a_billion_laughs_camt053_is_refused_before_any_entity_is_expanded_and_nothing_is_imported(willow):  # noqa: F811
    imports, lines = count(willow, BankImport), count(willow, BankLine)
    laughs = camt_with_doctype(BILLION_LAUGHS, "&lol9;").replace('encoding="UTF-16"', 'encoding="UTF-8"')
    with pytest.raises(FieldErrors) as refused:
        load(willow, "laughs.xml", data=laughs.encode())
    assert refused.value.errors == {"file": "the XML file declares a DOCTYPE, which a camt.053 statement never "
                                            "does. Nothing was imported from this file."}
    assert nothing_imported(willow, imports, lines)


def test_a_utf16_camt053_without_a_byte_order_mark_carrying_a_doctype_is_refused(client, willow, signed_in):  # noqa: F811
    signed_in("finance")
    imports, lines = count(willow, BankImport), count(willow, BankLine)
    sneaky = camt_with_doctype('<!ENTITY big "' + "A" * 1_000 + '">', "&big;&big;").encode("utf-16-le")
    assert b"<!DOCTYPE" not in sneaky.upper() and not sneaky.startswith((b"\xff\xfe", b"\xfe\xff"))
    made = api(client, "POST", "/api/bank-imports", data={"account": "Operating"},
               files={"file": ("statement.xml", sneaky, "application/xml")})
    assert made.status_code == 422
    assert made.json()["errors"] == [{"field": "file", "message": "the XML file declares a DOCTYPE, which a camt.053 "
                                                                  "statement never does. Nothing was imported from "
                                                                  "this file."}]
    assert nothing_imported(willow, imports, lines)


def test_a_utf16_camt053_without_a_doctype_is_read_like_its_utf8_original(willow):  # noqa: F811
    utf16 = read("camt053.xml").decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le")
    record = load(willow, "utf16.xml", data=utf16)
    assert record.format == "camt053" and record.lines_new == 3
    shown = {line.reference: line.amount_pence for line in willow.exec(
        select(BankLine).where(BankLine.import_id == record.id))}
    assert shown["INV2627000019"] == 6_000


def test_the_api_refuses_a_60000_letter_name_and_payment_reference_naming_the_field(client, willow, signed_in):  # noqa: F811
    signed_in("coordinator")
    child = api(client, "POST", "/api/children", json={"first_name": "A" * 60_000, "last_name": "Haddad",
                                                        "date_of_birth": "2016-05-04"})
    assert child.status_code == 422 and [e["field"] for e in child.json()["errors"]] == ["first_name"]
    client.cookies.clear()
    signed_in("finance")
    account = importing.account_by_label(willow, "Operating")
    payment = api(client, "POST", "/api/payments", json={
        "payer_ref": "family:" + "0" * 32, "bank_account_id": str(account.id), "received_on": "2027-04-02",
        "amount_pence": 100, "method": "bank_transfer", "reference": "=" * 60_000})
    assert payment.status_code == 422 and [e["field"] for e in payment.json()["errors"]] == ["reference"]

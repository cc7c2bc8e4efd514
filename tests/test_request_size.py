"""Every request body is capped at 25 MB before the framework reads or spools it (provider/web/limits.py): a larger
one is refused with 413, as a page or as JSON, and changes nothing; the largest upload Lantern takes still arrives."""
from __future__ import annotations

from sqlmodel import func, select

from provider.bank.models import BankImport
from provider.web.limits import MAX_BODY_BYTES
from tests.conftest import api, csrf_token

TOO_BIG = b"x" * (MAX_BODY_BYTES + 1)


def imports(db) -> int:
    return db.exec(select(func.count()).select_from(BankImport)).one()


def test_an_anonymous_sign_in_of_more_than_25_mb_is_refused_before_it_is_read(anon):
    response = anon.post("/login", content=TOO_BIG, headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert "larger than 25 MB" in response.text and "<html" in response.text
    assert response.headers["x-frame-options"] == "DENY"      # still answered with the security headers


def test_an_api_upload_of_more_than_25_mb_is_refused_naming_the_body_and_nothing_is_imported(client, db, signed_in):
    signed_in("finance")
    response = api(client, "POST", "/api/bank-imports", data={"account": "Operating"},
                   files={"file": ("huge.csv", TOO_BIG, "text/csv")})
    assert response.status_code == 413
    assert response.json()["errors"] == [{"field": "body", "message": "is larger than 25 MB"}]
    assert imports(db) == 0


def test_a_body_sent_in_chunks_without_its_length_is_cut_off_at_25_mb(client, signed_in):
    signed_in("finance")

    def chunks():
        for _ in range(26):
            yield b"y" * (1024 * 1024)

    response = client.post("/api/tokens", content=chunks(),
                           headers={"content-type": "application/json", "X-CSRF-Token": csrf_token(client)})
    assert response.status_code == 413
    assert response.json()["detail"].startswith("What was sent is larger than 25 MB")


def test_a_bank_statement_just_over_its_own_20_mb_limit_still_reaches_the_import_and_its_message(client, signed_in):
    signed_in("finance")
    response = api(client, "POST", "/api/bank-imports", data={"account": "Operating"},
                   files={"file": ("big.csv", b"z" * (20 * 1024 * 1024 + 1), "text/csv")})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} & {"file", "account"}

"""Names break neither downloads nor paths (issue 20, item 5): every download names its file by RFC 6266 / RFC 5987
(`filename*=UTF-8''…` beside a quoted ASCII fallback), whatever the script, quotes, slashes or dots in the name; file
names made from children's names are slugs that never leave the output folder."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from isf import statement_routes
from isf.models import IsfAgreement
from lantern import demo
from provider.db import make_engine, open_session, unit_of_work
from provider.filenames import inside, slug
from provider.funding.models import Arrangement
from provider.people.models import Child
from provider.web.downloads import content_disposition
from tests.conftest import api, demo_once_per_module, post_form
from tests.test_cli import run  # noqa: F401  (the fixture)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

NAMES = {
    "en dash": "receipt–taxi.pdf",
    "accents": "Reçu café Zoë.pdf",
    "arabic": "إيصال سيارة الأجرة.pdf",
    "cjk": "領収書タクシー.pdf",
    "emoji": "taxi 🚕 receipt.pdf",
    "quotes": 'the "big" taxi\'s receipt.pdf',
    "slashes and dots": "../..\\etc/passwd.pdf",
    "control characters": "receipt\r\nSet-Cookie: x=1\x00.pdf",
}

demo_connection, connection = demo_once_per_module()


def _parts(header: str) -> tuple[str, str, str]:
    """The disposition, the ASCII fallback and the UTF-8 name a browser would read from the header."""
    found = re.fullmatch(r'(inline|attachment); filename="([^"\\]*)"; '
                         r"filename\*=UTF-8''([A-Za-z0-9%!#$&+.^_`|~-]+)", header)
    assert found, header
    return found.group(1), found.group(2), unquote(found.group(3), errors="strict")


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_every_name_makes_a_header_that_is_plain_ascii_and_reads_back_as_the_name(name):
    header = content_disposition(name)
    header.encode("latin-1")                       # what the server writes; a 500 before this item
    kind, fallback, utf8 = _parts(header)
    assert kind == "attachment"
    assert all(" " <= c <= "~" for c in fallback) and fallback.endswith(".pdf")
    assert "/" not in utf8 and "\\" not in utf8 and "\n" not in utf8 and "\0" not in utf8
    if name.isprintable() and "/" not in name and "\\" not in name:
        assert utf8 == name


def test_the_ascii_fallback_keeps_what_it_can_read():
    assert _parts(content_disposition("receipt–taxi.pdf"))[1] == "receipt-taxi.pdf"
    assert _parts(content_disposition("Reçu café Zoë.pdf"))[1] == "Recu cafe Zoe.pdf"
    assert _parts(content_disposition("領収書.pdf"))[1] == "download.pdf"
    assert _parts(content_disposition('a "b" \\c.pdf'))[1] == "a _b_ _c.pdf"
    assert _parts(content_disposition("isf-statement-haddad’s.pdf", inline=True))[:2] == (
        "inline", "isf-statement-haddad's.pdf")


@pytest.mark.parametrize("name, expected", [
    ("Amira Haddad", "amira-haddad"), ("Amira/../../pwned", "amira-pwned"), ("Zoë O’Brien", "zoë-o-brien"),
    ("ليلى حداد", "ليلى-حداد"), ("王小明", "王小明"), ("🦄", "unnamed"), ("..", "unnamed"), ("a\\b\x00c.d", "a-b-c-d")])
def test_a_slug_of_a_name_keeps_letters_in_any_script_and_nothing_that_names_a_folder(name, expected):
    assert slug(name) == expected


def test_a_file_name_that_would_leave_the_folder_or_write_through_a_link_is_refused(tmp_path):
    assert inside(tmp_path, "amira.pdf") == tmp_path / "amira.pdf"
    for bad in ("../pwned.pdf", "a/b.pdf", "..", "a\\b", "a\0b", ""):
        with pytest.raises(ValueError):
            inside(tmp_path, bad)
    (tmp_path / "link.pdf").symlink_to(tmp_path.parent / "elsewhere.pdf")
    with pytest.raises(ValueError, match="is a link"):
        inside(tmp_path, "link.pdf")


# ---------------------------------------------------------------------------------------------------------------
# Through the real routes


def _browser(app, email: str | None) -> TestClient:
    browser = TestClient(app, follow_redirects=False)
    if email:
        assert post_form(browser, "/login", {"email": email, "password": demo.DEMO_PASSWORD}).status_code == 303
    return browser


def _amira(db) -> IsfAgreement:
    return db.exec(select(IsfAgreement).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .join(Child, Child.id == Arrangement.child_id).where(Child.first_name == "Amira")).one()


def _rename_amira(db, last_name: str) -> None:
    with unit_of_work(db):
        amira = db.exec(select(Child).where(Child.first_name == "Amira")).one()
        amira.last_name = last_name
        db.add(amira)


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_a_receipt_uploaded_under_any_name_downloads_as_an_attachment_under_that_name(app, db, name):
    coordinator = _browser(app, "coordinator@willow.example")
    uploaded = api(coordinator, "POST", "/api/isf-evidence", files={"evidence": (name, PDF, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    got = coordinator.get(f"/isf/evidence/{uploaded.json()['id']}")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["x-content-type-options"] == "nosniff"
    kind, fallback, utf8 = _parts(got.headers["content-disposition"])
    assert kind == "attachment" and fallback.endswith(".pdf") and utf8.endswith(".pdf")
    if name.isprintable() and not set(name) & set('/\\"'):   # a browser sends a quote as %22, and so it stays
        assert utf8 == name


def test_a_png_receipt_in_chinese_downloads_too(app, db):
    coordinator = _browser(app, "coordinator@willow.example")
    uploaded = api(coordinator, "POST", "/api/isf-evidence", files={"evidence": ("出租车.png", PNG, "image/png")})
    got = coordinator.get(f"/isf/evidence/{uploaded.json()['id']}")
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    assert _parts(got.headers["content-disposition"]) == ("attachment", "download.png", "出租车.png")


@pytest.fixture
def pages(app):
    from provider.web.deps import route_rules

    if not any(path == "/isf/{agreement_id}/statements" for _, path, _ in route_rules(app)):
        app.include_router(statement_routes.router)
    return app


def test_a_child_named_haddads_with_a_curly_apostrophe_gets_her_statement_pdf(pages, db):
    _rename_amira(db, "Haddad’s")
    agreement = _amira(db)
    for email in ("leila@family.example", "finance@willow.example"):
        got = _browser(pages, email).get(f"/isf/{agreement.id}/statements/13.pdf")
        assert got.status_code == 200 and got.content.startswith(b"%PDF"), email
        assert _parts(got.headers["content-disposition"]) == (
            "inline", "isf-statement-amira-haddad-s-period-13-2027-03-30.pdf",
            "isf-statement-amira-haddad-s-period-13-2027-03-30.pdf")


@pytest.mark.parametrize("known_as, slugged", [
    ('Amira "the brave"', "amira-the-brave"), ("أميرة", "أميرة"), ("阿米拉", "阿米拉"), ("Amira/../../x", "amira-x"),
    ("🦄", "unnamed")])
def test_the_surplus_statement_is_named_by_a_slug_of_the_childs_name(app, db, known_as, slugged):
    agreement = _amira(db)
    with unit_of_work(db):
        amira = db.exec(select(Child).where(Child.first_name == "Amira")).one()
        amira.preferred_name = known_as
        db.add(amira)
    got = _browser(app, "finance@willow.example").get(f"/isf/{agreement.id}/surplus.pdf")
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert _parts(got.headers["content-disposition"])[2] == f"surplus-{slugged}.pdf"


# ---------------------------------------------------------------------------------------------------------------
# `lantern statements --out DIR`


def test_lantern_statements_never_writes_outside_its_folder_whatever_the_childs_name(run, fresh_database_url,  # noqa: F811
                                                                                    tmp_path):
    assert run(fresh_database_url, "db", "upgrade").returncode == 0
    engine = make_engine(fresh_database_url)
    try:
        with open_session(engine) as session, unit_of_work(session):
            demo.build(session)
            amira = session.exec(select(Child).where(Child.first_name == "Amira")).one()
            amira.last_name = "Zoë/../../pwned"
            session.add(amira)
    finally:
        engine.dispose()
    out = tmp_path / "deep" / "out"
    result = run(fresh_database_url, "statements", "--period", "2027-03", "--out", str(out))
    assert result.returncode == 0, result.stderr
    written = {p.name for p in out.iterdir()}
    assert {"isf-statement-amira-zoë-pwned-period-12-2027-03-02.pdf",
            "isf-statement-amira-zoë-pwned-period-13-2027-03-30.pdf"} <= written
    everything = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    assert not [p for p in everything if "pwned" in str(p) and p.parent != Path("deep/out")]
    assert all(p.is_file() and not p.is_symlink() for p in out.iterdir())


def test_lantern_statements_refuses_to_write_through_a_link_in_its_folder(run, fresh_database_url,  # noqa: F811
                                                                          tmp_path):
    assert run(fresh_database_url, "db", "upgrade").returncode == 0
    engine = make_engine(fresh_database_url)
    try:
        with open_session(engine) as session, unit_of_work(session):
            demo.build(session)
    finally:
        engine.dispose()
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("keep me")
    (out / "isf-statement-amira-haddad-period-13-2027-03-30.pdf").symlink_to(victim)
    result = run(fresh_database_url, "statements", "--period", "2027-03", "--out", str(out))
    assert result.returncode == 1
    assert "is a link" in result.stderr
    assert victim.read_text() == "keep me"

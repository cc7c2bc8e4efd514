from tests.conftest import post_form


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_finance_signs_in_and_sees_finance_home(client, signed_in):
    signed_in("finance", name="Fran Finance")
    page = client.get("/")
    assert page.status_code == 200
    assert "Fran Finance" in page.text and "Funders" in page.text

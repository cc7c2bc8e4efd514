"""The names the API document gives its shapes are what API clients generate their types from: moving a shape to
another module must not rename it. The snapshot is the list main published before the shapes moved to schemas.py."""
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from lantern.app import create_app
from provider.config import Settings
from tests.conftest import TEST_SECRET

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi_components.txt"


@pytest.fixture(scope="module")
def components() -> dict[str, dict]:
    settings = Settings(database_url="sqlite://", secret_key=TEST_SECRET, data_dir=Path(tempfile.gettempdir()))
    app = create_app(settings, create_engine("sqlite://"), check_schema=False)
    return app.openapi()["components"]["schemas"]


def test_every_published_shape_keeps_its_name(components):
    published = SNAPSHOT.read_text().split()
    assert sorted(components) == published, (
        f"renamed or new: {sorted(set(components) - set(published))}; gone: {sorted(set(published) - set(components))}")


@pytest.mark.parametrize("name, a_field_of_its_own", [
    ("provider__catalogue__service__ServiceOut", "vat_treatment"),   # a service in the catalogue
    ("provider__funding__service__ServiceOut", "cap_units"),         # a service an arrangement may pay for
    ("provider__funding__contracts__InstalmentOut", "period_starts_on"),
    ("provider__grants__api__InstalmentOut", "number"),
    ("provider__funders__codes__CodeOut", "funder_id"),
    ("invoicing__payments__export_routes__CodeOut", "when_unset"),
])
def test_shapes_of_the_same_class_name_keep_their_own_published_names(components, name, a_field_of_its_own):
    assert a_field_of_its_own in components[name]["properties"]

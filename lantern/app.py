"""The FastAPI application: routers, error answers, security headers, static files."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

import provider.audit.recorder  # noqa: F401  (audits every flush)
import lantern.models  # noqa: F401
from provider.config import STATIC_DIR, Settings, get_settings
from provider.db import get_engine, open_session
from provider.migrate import ensure_up_to_date
from provider.web import errors
from provider.web.headers import SecurityHeaders
from provider.web.limits import BodySizeLimit

def create_app(settings: Settings | None = None, engine: Engine | None = None, *,
               session_factory=None, check_schema: bool = True) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or get_engine()
    if check_schema:
        ensure_up_to_date(engine)
    app = FastAPI(title="Lantern", version="0.1.0", docs_url=None, redoc_url=None, openapi_url=None,
                  description="Billing and Individual Service Fund software for children's hospices.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory or (lambda read_only: open_session(engine, read_only=read_only))
    errors.install(app)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for router in _routers():
        app.include_router(router)
    return app


def _routers():
    from invoicing import api as invoicing_api
    from invoicing import routes as invoicing_routes
    from provider.audit import routes as audit_routes
    from provider.bookings import api as bookings_api
    from provider.bookings import routes as bookings_routes
    from provider.bookings import views as bookings_views
    from provider.catalogue import api as catalogue_api
    from provider.charges import api as charges_api
    from provider.charges import routes as charges_routes
    from provider.catalogue import routes as catalogue_routes
    from provider.funders import api as funders_api
    from provider.funders import routes as funders_routes
    from provider.funding import api as funding_api
    from provider.funding import routes as funding_routes
    from invoicing.bank_lines import api as bank_api
    from invoicing.bank_lines import routes as bank_routes
    from invoicing.payments import api as payments_api
    from invoicing.payments import debt_api, debt_routes, export_routes
    from invoicing.payments import routes as payments_routes
    from isf import agreement_routes as isf_agreement_routes
    from isf import api as isf_api
    from isf import bank_routes as isf_bank_routes
    from isf import routes as isf_routes
    from isf import statement_batch_routes as isf_statement_batch_routes
    from isf import statement_routes as isf_statement_routes
    from provider.charity import api as charity_api
    from provider.family import routes as family_routes
    from provider.people import link_routes
    from lantern import two_factor_routes
    from provider.charity import routes as charity_routes
    from provider.grants import api as grants_api
    from provider.grants import routes as grants_routes
    from provider.ledger import api as ledger_api
    from provider.ledger import routes as ledger_routes
    from provider.organisation import api as organisation_api
    from provider.organisation import routes as organisation_routes
    from provider.people import api as people_api
    from provider.people import hold_routes
    from provider.people import routes as people_routes
    from provider.users import api as users_api
    from provider.users import routes as users_routes
    from provider.users import token_routes
    from lantern import pages
    from reports import routes as reports_routes

    return [
        pages.router,
        family_routes.router,
        link_routes.router,
        two_factor_routes.router,
        token_routes.router,
        users_routes.router,
        people_routes.router,
        catalogue_routes.router,
        funders_routes.router,
        organisation_routes.router,
        bookings_views.router,
        funding_routes.router,
        charges_routes.router,
        bookings_routes.router,
        invoicing_routes.router,
        ledger_routes.router,
        grants_routes.router,
        charity_routes.router,
        payments_routes.router,
        isf_routes.router,
        isf_statement_routes.router,
        isf_statement_batch_routes.router,
        isf_agreement_routes.router,
        isf_bank_routes.router,
        bank_routes.router,
        debt_routes.router,
        export_routes.router,
        audit_routes.router,
        reports_routes.router,
        users_api.router,
        people_api.router,
        hold_routes.api,
        catalogue_api.router,
        funders_api.router,
        organisation_api.router,
        bookings_views.api,
        funding_api.router,
        charges_api.router,
        bookings_api.router,
        invoicing_api.router,
        ledger_api.router,
        grants_api.router,
        charity_api.router,
        payments_api.router,
        isf_api.router,
        isf_bank_routes.api,
        isf_statement_batch_routes.api,
        bank_api.router,
        debt_api.router,
        export_routes.api,
        audit_routes.api,
        reports_routes.api,
    ]

"""Who may reach each route of the app (issue 9 item 3), written by hand from the product, route by route.

Never derived from the routes' own `allow(...)` declarations: each line says what each role should get, read from
DOMAIN.md §1 and the issue. Admin: users and settings. Finance: money, invoices, payments, the ledger, ISF money,
reports. Coordinator: children, families, bookings, care, and ISF spending requests. Trustee: reports and charitable
totals only. Family: their own child's pages, within what staff granted them; another family's record answers 404,
exactly as a missing one. Where the app answers otherwise, the line says what the app does, with `# DISAGREE:`.

Each line: method, path as the app declares it, the query sent with it, then the answer for admin, finance,
coordinator, trustee, family, and no login. Every request is made for the own record (Amira's, Leila's) and for
another family's (tests/test_access_matrix.py maps each path parameter to the pair); for staff the two are simply two
records. A cell is:
  OK     the role may: a read answers 200; a change gets past the check (anything but 401, 403, 404 or a 5xx)
  NO     refused: 403, page and API alike
  OWN    family: their own child's record as OK, another family's 404, worded exactly as for a missing record
  TELLS  family: their own child's record as OK, another family's 404, but worded unlike a missing record's 404
  LOGIN  no login, a page: 303 to /login?next=...
  a number: exactly that answer (401: an API without a login)
"""
from __future__ import annotations

OK, NO, OWN, TELLS, LOGIN = "ok", 403, "own", "tells", "login"
MARCH = "from=2027-03-01&to=2027-03-31"
YEAR = "first=2026-04-01&last=2027-03-31"
PERIOD = "first=2026-04-01&last=2026-04-28"       # the ISF's first four-week period

# Reached by anyone, signed in or not: their answer does not depend on who asks (bar /login, which sends a signed-in
# visitor on home). A bad link's token gets one plain 404.
PUBLIC = [
    # method  path                        query  admin  finance coord  trustee family nobody
    ("GET",  "/healthz",                  "",    200,   200,    200,   200,    200,   200),
    ("GET",  "/login",                    "",    303,   303,    303,   303,    303,   200),
    ("POST", "/login",                    "",    401,   401,    401,   401,    401,   401),   # no email: refused
    ("POST", "/login/code",               "",    401,   401,    401,   401,    401,   401),   # no signed step one: refused
    ("GET",  "/openapi.json",             "",    200,   200,    200,   200,    200,   200),
    ("GET",  "/docs",                     "",    200,   200,    200,   200,    200,   200),
    ("GET",  "/invite/{token}",           "",    404,   404,    404,   404,    404,   404),
    ("POST", "/invite/{token}",           "",    404,   404,    404,   404,    404,   404),
    ("GET",  "/password-reset",           "",    200,   200,    200,   200,    200,   200),
    ("POST", "/password-reset",           "",    OK,    OK,     OK,    OK,     OK,    OK),
    ("GET",  "/password-reset/{token}",   "",    404,   404,    404,   404,    404,   404),
    ("POST", "/password-reset/{token}",   "",    404,   404,    404,   404,    404,   404),
]

PAGES = [
    # method  path                                                 query        admin fin  coord trust fam  nobody
    # --- everyone signed in
    ("GET",  "/",                                                  "",          OK,  OK,  OK,  OK,  OK,  LOGIN),
    ("POST", "/logout",                                            "",          OK,  OK,  OK,  OK,  OK,  LOGIN),
    # --- two-factor sign-in, each member of staff for their own login
    ("GET",  "/account/two-factor",                                "",          OK,  OK,  OK,  OK,  NO,  LOGIN),
    ("POST", "/account/two-factor",                                "",          OK,  OK,  OK,  OK,  NO,  LOGIN),
    ("POST", "/account/two-factor/off",                            "",          OK,  OK,  OK,  OK,  NO,  LOGIN),
    # --- the family's own pages
    ("GET",  "/family/children/{child_id}/bookings",               "",          NO,  NO,  NO,  NO,  OWN, LOGIN),
    ("GET",  "/family/invoices/{invoice_id}.pdf",                  "",          NO,  NO,  NO,  NO,  OWN, LOGIN),
    ("POST", "/family/children/{child_id}/questions",              "",          NO,  NO,  NO,  NO,  OWN, LOGIN),
    # --- what a family member may see, and their invitation: families are the coordinator's
    # DISAGREE: admin: I read 403 (families are the coordinator's), the app answers 200
    ("GET",  "/children/{child_id}/family/{member_id}/access",     "",          OK,  NO,  OK,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403 (a grant to a child's record is the coordinator's), the app lets admin grant
    ("POST", "/children/{child_id}/family/{member_id}/access",     "",          OK,  NO,  OK,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403 (inviting from a child's record is the coordinator's), the app lets admin invite
    ("POST", "/children/{child_id}/family/{member_id}/invite",     "",          OK,  NO,  OK,  NO,  NO,  LOGIN),
    # --- users
    ("GET",  "/users",                                             "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/users/new",                                         "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    ("POST", "/users/new",                                         "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/users/{user_id}",                                   "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    ("POST", "/users/{user_id}",                                   "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    # --- children, families, nominees: the coordinator's; finance reads them to bill
    ("GET",  "/children/{child_id}/family/new",                    "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/children/{child_id}/family/new",                    "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/children/{child_id}/family/{member_id}",            "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/children/{child_id}/family/{member_id}",            "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403 (nominees hold families' budgets), the app answers 200
    ("GET",  "/nominees",                                          "",          OK,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/nominees/new",                                      "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/nominees/new",                                      "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403, the app answers 200
    ("GET",  "/nominees/{nominee_id}",                             "",          OK,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/nominees/{nominee_id}/edit",                        "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/nominees/{nominee_id}/edit",                        "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/children/{child_id}/nominations/new",               "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/children/{child_id}/nominations/new",               "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/nominations/{nomination_id}/withdraw",              "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/nominations/{nomination_id}/withdraw",              "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/children/{child_id}/hold",                          "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("POST", "/children/{child_id}/hold/lift",                     "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403 (children's records are not users or settings), the app answers 200
    ("GET",  "/children",                                          "",          OK,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/children/new",                                      "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/children/new",                                      "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403, the app answers 200
    ("GET",  "/children/{child_id}",                               "",          OK,  OK,  OK,  NO,  OWN, LOGIN),
    ("GET",  "/children/{child_id}/edit",                          "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/children/{child_id}/edit",                          "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    # --- services and prices: finance sets prices; the coordinator reads what can be booked
    ("GET",  "/services",                                          "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/services/new",                                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/services/new",                                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/services/{service_id}",                             "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/services/{service_id}/edit",                        "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/services/{service_id}/edit",                        "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/services/{service_id}/prices/new",                  "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/services/{service_id}/prices/new",                  "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    # --- charitable funds and funders: money; the coordinator reads funders to see who pays
    ("GET",  "/funds",                                             "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/funds/new",                                         "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/funds/new",                                         "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/funds/{fund_id}",                                   "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/funds/{fund_id}",                                   "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/funders",                                           "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/funders/new",                                       "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/funders/new",                                       "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/funders/{funder_id}",                               "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/funders/{funder_id}/edit",                          "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/funders/{funder_id}/edit",                          "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/funders/{funder_id}/codes/new",                     "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/funders/{funder_id}/codes/new",                     "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/funders/{funder_id}/departments/new",               "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/funders/{funder_id}/departments/new",               "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/funders/{funder_id}/departments/{department_id}",   "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/funders/{funder_id}/departments/{department_id}",   "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    # --- settings: the hospice's details and holidays are admin's; payment terms and bank accounts finance's
    ("GET",  "/settings/holidays",                                 "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/settings/holidays/new",                             "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    ("POST", "/settings/holidays/new",                             "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    ("POST", "/settings/holidays/{holiday_id}/remove",             "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/settings",                                          "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/settings/details",                                  "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    ("POST", "/settings/details",                                  "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/settings/payment-terms",                            "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/settings/payment-terms",                            "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/settings/bank-accounts/new",                        "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/settings/bank-accounts/new",                        "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/settings/bank-accounts/{account_id}",               "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/settings/bank-accounts/{account_id}",               "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    # --- care: bookings and the day's list are the coordinator's; finance reads them to bill
    ("GET",  "/occupancy",                                         "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/today",                                             "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/children/{child_id}/bookings",                      "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/contracts/usage",                                   "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    # --- who pays: finance sets it up; the coordinator reads it before confirming
    ("GET",  "/arrangements",                                      "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/arrangements/new",                                  "child_id={child_id}", NO, OK, NO, NO, NO, LOGIN),
    ("POST", "/arrangements/new",                                  "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/arrangements/{arrangement_id}",                     "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/arrangements/{arrangement_id}/edit",                "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/arrangements/{arrangement_id}/edit",                "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/children/{child_id}/arrangements",                  "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("POST", "/children/{child_id}/arrangements/priority",         "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/contracts",                                         "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/contracts/new",                                     "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/contracts/new",                                     "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/contracts/{contract_id}",                           "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/contracts/{contract_id}/edit",                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/contracts/{contract_id}/edit",                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/priorities",                                        "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("POST", "/priorities",                                        "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/charges",                                           "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/charges/recalculate",                               "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/charges/recalculate",                               "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/charges/{charge_id}",                               "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/bookings",                                          "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/bookings/new",                                      "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/bookings/new",                                      "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/bookings/{booking_id}",                             "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("POST", "/bookings/{booking_id}/confirm",                     "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/bookings/{booking_id}/cancel",                      "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/bookings/{booking_id}/attendance",                  "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    ("POST", "/attendance",                                        "",          NO,  NO,  OK,  NO,  NO,  LOGIN),
    # a service's booking rule (nights a year for each child) is a setting: admin and finance set it
    ("GET",  "/services/{service_id}/booking-rules",               "",          OK,  OK,  OK,  NO,  NO,  LOGIN),
    ("POST", "/services/{service_id}/booking-rules",               "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    # --- invoices: finance's; the outbox (every email Lantern sent) is admin's, as the mail settings are
    ("GET",  "/invoices",                                          "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/invoices/send",                                     "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/invoices/paper",                                    "month=2027-03", NO, OK, NO, NO, NO, LOGIN),
    ("GET",  "/invoices/run",                                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/invoices/run",                                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/invoices/progress/{job_id}",                        "",          NO,  404, NO,  NO,  NO,  LOGIN),  # no run going: no job
    ("GET",  "/invoices/{document_id}",                            "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/invoices/{document_id}/credit",                     "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/invoices/{document_id}/pdf",                        "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/outbox",                                            "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/outbox/{message_id}",                               "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/outbox/{message_id}/eml",                           "",          OK,  NO,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/contracts/{contract_id}/activity",                  "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/contracts/{contract_id}/settlement",                "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/contracts/{contract_id}/settlement",                "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/ledger/periods",                                    "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/ledger/periods/close",                              "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/grants",                                            "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/grants",                                            "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/grants/{award_id}",                                 "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    # --- charitable income: finance records it; trustees read its totals
    # DISAGREE: admin: I read 403 (charitable totals are finance's and trustees'; admin gets each gift too), app 200
    ("GET",  "/charity",                                           "",          OK,  OK,  NO,  OK,  NO,  LOGIN),
    ("GET",  "/charity/new",                                       "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/charity/new",                                       "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/charity/import",                                    "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/charity/import",                                    "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403 (a gift's record is money), the app answers 200
    ("GET",  "/charity/{income_id}",                               "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/charity/{income_id}/corrections",                   "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    # --- payments and debt
    ("GET",  "/payments",                                          "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/payments/new",                                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/payments/new",                                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/payments/{payment_id}",                             "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/payments/{payment_id}/allocate",                    "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/payments/{payment_id}/allocations/{allocation_id}/undo", "",     NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/payments/{payment_id}/refund",                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/invoices/{invoice_id}/dispute",                     "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/invoices/{invoice_id}/dispute/{dispute_id}/close",  "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/invoices/{invoice_id}/adjust",                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403 (a write-off is money: finance's), the app answers 200
    ("GET",  "/payments-approvals",                                "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403, the app lets admin approve a write-off
    ("POST", "/payments-approvals/{adjustment_id}",                "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    # --- ISFs: money is finance's; the key worker reads the ISF, asks to spend and approves within their limit
    ("GET",  "/isf",                                               "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/isf/{agreement_id}",                                "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    # DISAGREE: coordinator: I read 403 (money into an ISF is finance's), the app lets a coordinator record it
    ("POST", "/isf/{agreement_id}/receipts",                       "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("POST", "/isf/{agreement_id}/spend",                          "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403 (ISF money is finance's), the app lets admin approve any amount
    ("POST", "/isf/spend/{spend_id}/decision",                     "",          OK,  OK,  OK,  NO,  NO,  LOGIN),
    ("POST", "/isf/{agreement_id}/outcomes",                       "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("POST", "/isf/{agreement_id}/fees",                           "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/isf/evidence/{evidence_id}",                        "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/isf-suppliers",                                     "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("POST", "/isf-suppliers",                                     "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    # DISAGREE: coordinator: I read 403 (a supplier's bank details are money), the app lets them enter and confirm them
    ("POST", "/isf-suppliers/{supplier_id}/bank",                  "",          NO,  OK,  OK,  NO,  NO,  LOGIN),
    ("GET",  "/isf/{agreement_id}/surplus.pdf",                    "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/isf/{agreement_id}/letter",                         "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/isf/{agreement_id}/statements",                     "",          NO,  OK,  OK,  NO,  OWN,   LOGIN),
    ("GET",  "/isf/{agreement_id}/statements/dates",               PERIOD,      NO,  OK,  OK,  NO,  OWN,   LOGIN),
    ("GET",  "/isf/{agreement_id}/statements/dates.pdf",           PERIOD,      NO,  OK,  OK,  NO,  OWN,   LOGIN),
    ("GET",  "/isf/{agreement_id}/statements/{number}.pdf",        "",          NO,  OK,  OK,  NO,  OWN,   LOGIN),
    ("GET",  "/isf/{agreement_id}/statements/{number}",            "",          NO,  OK,  OK,  NO,  OWN,   LOGIN),
    ("GET",  "/isf-monitoring.pdf",                                YEAR,        NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/isf-monitoring.csv",                                YEAR,        NO,  OK,  NO,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403 (an ISF agreement is ISF money), the app answers 200
    ("GET",  "/isf-agreements/new",                                "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403, the app lets admin make an ISF agreement
    ("POST", "/isf-agreements/new",                                "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403 (repayments and advances are ISF money), the app answers 200
    ("GET",  "/isf/{agreement_id}/returns",                        "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403, the app lets admin record a repayment notice
    ("POST", "/isf/{agreement_id}/returns/notices",                "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403, the app lets admin act on a repayment notice
    ("POST", "/isf/{agreement_id}/returns/notices/{notice_id}",    "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403, the app lets admin advance charitable money to an ISF
    ("POST", "/isf/{agreement_id}/returns/advances",               "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    # DISAGREE: admin: I read 403, the app lets admin close an ISF
    ("POST", "/isf/{agreement_id}/returns/close",                  "",          OK,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/isf-client-account",                                "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/isf-client-account/lines/{line_id}/accept",         "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    # --- the bank, debt, exports, nominal codes: finance's
    ("GET",  "/bank",                                              "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/bank/imports",                                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/bank/imports/{import_id}/confirm",                  "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/bank/imports/{import_id}/discard",                  "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/bank/lines",                                        "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/bank/lines/{line_id}/accept",                       "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/bank/lines/{line_id}/ignore",                       "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/bank/lines/{line_id}/restore",                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/settings/bank-layouts",                             "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/settings/bank-layouts",                             "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/settings/bank-layouts/accounts/{account_id}",       "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/debt",                                              "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/debt/overdue",                                      "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/debt/reminders",                                    "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/debt/reminders/{reminder_id}.pdf",                  "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/debt/payers/{payer_ref}/statement.pdf",             "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/exports",                                           "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/exports/xero.csv",                                  MARCH,       NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/exports/sage.csv",                                  MARCH,       NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/exports/payments.csv",                              MARCH,       NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("GET",  "/settings/nominal-codes",                            "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    ("POST", "/settings/nominal-codes",                            "",          NO,  OK,  NO,  NO,  NO,  LOGIN),
    # --- a record's history, here a child's: the staff who manage children's records
    # DISAGREE: admin: I read 403 (a child's history holds the child's record), the app answers 200 (any history)
    ("GET",  "/history/{entity}/{entity_id}",                      "",          OK,  OK,  OK,  NO,  NO,  LOGIN),
    # --- reports: finance's and trustees'
    # DISAGREE: admin: I read 403 (reports are finance's and trustees'), the app answers 200
    ("GET",  "/reports",                                           "year=2026", OK,  OK,  NO,  OK,  NO,  LOGIN),
    # DISAGREE: admin: I read 403, the app answers 200
    ("GET",  "/reports/income.csv",                                "year=2026", OK,  OK,  NO,  OK,  NO,  LOGIN),
    # DISAGREE: admin: I read 403, the app answers 200
    ("GET",  "/reports/{name}.csv",                                "year=2026", OK,  OK,  NO,  OK,  NO,  LOGIN),
    # DISAGREE: admin: I read 403, the app answers 200
    ("GET",  "/reports/pack.pdf",                                  "year=2026", OK,  OK,  NO,  OK,  NO,  LOGIN),
]

API = [
    # method   path                                                query        admin fin  coord trust fam  nobody
    ("GET",    "/api/me",                                          "",          OK,  OK,  OK,  OK,  OK,  401),
    ("POST",   "/api/tokens",                                      "",          OK,  OK,  OK,  OK,  OK,  401),
    ("GET",    "/api/users",                                       "",          OK,  NO,  NO,  NO,  NO,  401),
    ("POST",   "/api/users",                                       "",          OK,  NO,  NO,  NO,  NO,  401),
    ("GET",    "/api/users/{user_id}",                             "",          OK,  NO,  NO,  NO,  NO,  401),
    ("PATCH",  "/api/users/{user_id}",                             "",          OK,  NO,  NO,  NO,  NO,  401),
    # DISAGREE: admin: I read 403 (children's records are not users or settings), the app answers 200
    ("GET",    "/api/children",                                    "",          OK,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/children",                                    "",          NO,  NO,  OK,  NO,  NO,  401),
    # DISAGREE: admin: I read 403, the app answers 200
    ("GET",    "/api/children/{child_id}",                         "",          OK,  OK,  OK,  NO,  OWN, 401),
    ("PATCH",  "/api/children/{child_id}",                         "",          NO,  NO,  OK,  NO,  NO,  401),
    ("POST",   "/api/children/{child_id}/family",                  "",          NO,  NO,  OK,  NO,  NO,  401),
    ("POST",   "/api/children/{child_id}/family/{member_id}",      "",          NO,  NO,  OK,  NO,  NO,  401),
    ("PATCH",  "/api/children/{child_id}/family/{member_id}",      "",          NO,  NO,  OK,  NO,  NO,  401),
    ("PATCH",  "/api/family-members/{member_id}",                  "",          NO,  NO,  OK,  NO,  NO,  401),
    # DISAGREE: admin: I read 403, the app answers 200
    ("GET",    "/api/nominees",                                    "",          OK,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/nominees",                                    "",          NO,  NO,  OK,  NO,  NO,  401),
    # DISAGREE: admin: I read 403, the app answers 200
    ("GET",    "/api/nominees/{nominee_id}",                       "",          OK,  OK,  OK,  NO,  NO,  401),
    ("PATCH",  "/api/nominees/{nominee_id}",                       "",          NO,  NO,  OK,  NO,  NO,  401),
    ("POST",   "/api/nominees/{nominee_id}/nominations",           "",          NO,  NO,  OK,  NO,  NO,  401),
    ("POST",   "/api/nominations/{nomination_id}/withdraw",        "",          NO,  NO,  OK,  NO,  NO,  401),
    ("GET",    "/api/children/{child_id}/bereavement-hold",        "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/children/{child_id}/bereavement-hold",        "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/children/{child_id}/bereavement-hold/lift",   "",          NO,  OK,  OK,  NO,  NO,  401),
    ("GET",    "/api/services",                                    "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/services",                                    "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/services/{service_id}",                       "",          NO,  OK,  OK,  NO,  NO,  401),
    ("PATCH",  "/api/services/{service_id}",                       "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/services/{service_id}/prices",                "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/services/{service_id}/prices",                "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/funders",                                     "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/funders",                                     "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/funders/{funder_id}",                         "",          NO,  OK,  OK,  NO,  NO,  401),
    ("PATCH",  "/api/funders/{funder_id}",                         "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/funders/{funder_id}/codes",                   "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/funders/{funder_id}/codes",                   "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/funders/{funder_id}/departments",             "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/funders/{funder_id}/departments",             "",          NO,  OK,  NO,  NO,  NO,  401),
    ("PATCH",  "/api/funders/{funder_id}/departments/{department_id}", "",      NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/funds",                                       "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/funds",                                       "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/funds/{fund_id}",                             "",          NO,  OK,  NO,  NO,  NO,  401),
    ("PATCH",  "/api/funds/{fund_id}",                             "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/settings",                                    "",          OK,  OK,  NO,  NO,  NO,  401),
    ("PATCH",  "/api/settings",                                    "",          OK,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/bank-accounts",                               "",          OK,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/bank-accounts",                               "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/bank-accounts/{account_id}",                  "",          OK,  OK,  NO,  NO,  NO,  401),
    ("PATCH",  "/api/bank-accounts/{account_id}",                  "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/holidays",                                    "",          OK,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/holidays",                                    "",          OK,  NO,  NO,  NO,  NO,  401),
    ("DELETE", "/api/holidays/{holiday_id}",                       "",          OK,  NO,  NO,  NO,  NO,  401),
    ("GET",    "/api/occupancy",                                   "month=2027-03", NO,  OK,  OK,  NO,  NO,  401),
    ("GET",    "/api/today",                                       "",          NO,  OK,  OK,  NO,  NO,  401),
    ("GET",    "/api/children/{child_id}/usage",                   "",          NO,  OK,  OK,  NO,  NO,  401),
    ("GET",    "/api/contracts/usage",                             "",          NO,  OK,  OK,  NO,  NO,  401),
    ("GET",    "/api/arrangements",                                "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/arrangements",                                "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/arrangements/{arrangement_id}",               "",          NO,  OK,  OK,  NO,  NO,  401),
    ("PATCH",  "/api/arrangements/{arrangement_id}",               "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/contracts",                                   "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/contracts",                                   "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/contracts/{contract_id}",                     "",          NO,  OK,  OK,  NO,  NO,  401),
    ("PATCH",  "/api/contracts/{contract_id}",                     "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/priorities",                                  "",          NO,  OK,  OK,  NO,  NO,  401),
    ("PUT",    "/api/priorities",                                  "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/charges",                                     "month=2027-03", NO, OK, OK, NO, NO, 401),
    ("GET",    "/api/charges/{charge_id}",                         "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/charges/recalculate",                         "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/bookings",                                    "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/bookings",                                    "",          NO,  NO,  OK,  NO,  NO,  401),
    ("POST",   "/api/bookings/preview",                            "",          NO,  NO,  OK,  NO,  NO,  401),
    ("GET",    "/api/bookings/{booking_id}",                       "",          NO,  OK,  OK,  NO,  NO,  401),
    ("GET",    "/api/bookings/{booking_id}/who-pays",              "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/bookings/{booking_id}/confirm",               "",          NO,  NO,  OK,  NO,  NO,  401),
    ("POST",   "/api/bookings/{booking_id}/cancel",                "",          NO,  NO,  OK,  NO,  NO,  401),
    ("POST",   "/api/bookings/{booking_id}/attendance",            "",          NO,  NO,  OK,  NO,  NO,  401),
    ("POST",   "/api/booking-units/{unit_id}/attendance",          "",          NO,  NO,  OK,  NO,  NO,  401),
    ("GET",    "/api/attendance",                                  "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/attendance",                                  "",          NO,  NO,  OK,  NO,  NO,  401),
    ("GET",    "/api/services/{service_id}/booking-rules",         "",          OK,  OK,  OK,  NO,  NO,  401),
    ("PUT",    "/api/services/{service_id}/booking-rules",         "",          OK,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/invoice-runs/{month}",                        "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/invoice-runs/{month}/issue",                  "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/invoices",                                    "month=2027-03", NO, OK, NO, NO, NO, 401),
    ("GET",    "/api/invoices/{document_id}",                      "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/invoices/{invoice_id}/credit-notes",          "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/contracts/{contract_id}/settlement",          "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/contracts/{contract_id}/settlement",          "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/ledger/periods",                              "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/ledger/periods/close",                        "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/grants",                                      "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/grants",                                      "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/grants/{award_id}",                           "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/charity/income",                              "",          NO,  OK,  NO,  NO,  NO,  401),
    # DISAGREE: admin: I read 403 (each gift's record is money), the app answers 200
    ("GET",    "/api/charity/income",                              "",          OK,  OK,  NO,  NO,  NO,  401),
    # DISAGREE: admin: I read 403, the app answers 200
    ("GET",    "/api/charity/income/{income_id}",                  "",          OK,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/charity/imports",                             "",          NO,  OK,  NO,  NO,  NO,  401),
    # DISAGREE: admin: I read 403 (charitable totals are finance's and trustees'), the app answers 200
    ("GET",    "/api/charity/totals",                              "",          OK,  OK,  NO,  OK,  NO,  401),
    ("GET",    "/api/payments",                                    "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/payments",                                    "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/payments/{payment_id}",                       "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/payments/{payment_id}/allocations",           "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/allocations/{allocation_id}/undo",            "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/payments/{payment_id}/refunds",               "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/payers/{payer_ref}/open-invoices",            "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/invoices/{invoice_id}/disputes",              "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/disputes/{dispute_id}/close",                 "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/invoices/{invoice_id}/adjustments",           "",          NO,  OK,  NO,  NO,  NO,  401),
    # DISAGREE: admin: I read 403 (a write-off is money: finance's), the app lets admin decide it
    ("POST",   "/api/adjustments/{adjustment_id}/decision",        "",          OK,  OK,  NO,  NO,  NO,  401),
    # DISAGREE: admin: I read 403 (ISFs are children's money), the app answers 200
    ("GET",    "/api/isfs",                                        "",          OK,  OK,  OK,  NO,  NO,  401),
    # DISAGREE: admin: I read 403, the app lets admin make an ISF
    ("POST",   "/api/isfs",                                        "",          OK,  OK,  NO,  NO,  NO,  401),
    # DISAGREE: admin: I read 403, the app answers 200
    ("GET",    "/api/isfs/{agreement_id}",                         "",          OK,  OK,  OK,  NO,  OWN, 401),
    # DISAGREE: coordinator: I read 403 (money into an ISF is finance's), the app lets a coordinator record it
    ("POST",   "/api/isfs/{agreement_id}/receipts",                "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/isfs/{agreement_id}/outcomes",                "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/isf-evidence",                                "",          NO,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/isfs/{agreement_id}/spend",                   "",          NO,  OK,  OK,  NO,  NO,  401),
    # DISAGREE: admin: I read 403 (ISF money is finance's), the app lets admin approve any amount
    ("POST",   "/api/isf-spend/{spend_id}/decision",               "",          OK,  OK,  OK,  NO,  NO,  401),
    ("POST",   "/api/isfs/{agreement_id}/fees",                    "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/isfs/{agreement_id}/notices",                 "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/isf-notices/{notice_id}/reconsideration",     "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/isf-notices/{notice_id}/repay",               "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/isf-notices/{notice_id}/withhold",            "",          NO,  OK,  NO,  NO,  NO,  401),
    # DISAGREE: admin: I read 403, the app lets admin advance charitable money to an ISF
    ("POST",   "/api/isfs/{agreement_id}/advances",                "",          OK,  OK,  NO,  NO,  NO,  401),
    # DISAGREE: admin: I read 403, the app lets admin close an ISF
    ("POST",   "/api/isfs/{agreement_id}/close",                   "",          OK,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/isf-client-account/reconciliation",           "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/isf-client-account/lines",                    "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/isf-client-account/lines/{line_id}/accept",   "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/bank-imports",                                "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/bank-imports",                                "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/bank-imports/{import_id}/confirm",            "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/bank-imports/{import_id}/discard",            "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/bank-lines",                                  "account=operating", NO, OK, NO, NO, NO, 401),
    ("POST",   "/api/bank-lines/{line_id}/accept",                 "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/bank-lines/{line_id}/ignore",                 "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/bank-lines/{line_id}/restore",                "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/debt/aged",                                   "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/debt/overdue",                                "",          NO,  OK,  NO,  NO,  NO,  401),
    ("POST",   "/api/debt/reminders",                              "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/debt/reminders/{reminder_id}",                "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/debt/payers/{payer_ref}/statement",           "",          NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/exports/xero.csv",                            MARCH,       NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/exports/sage.csv",                            MARCH,       NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/exports/payments.csv",                        MARCH,       NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/exports",                                     MARCH,       NO,  OK,  NO,  NO,  NO,  401),
    ("GET",    "/api/nominal-codes",                               "",          NO,  OK,  NO,  NO,  NO,  401),
    ("PUT",    "/api/nominal-codes",                               "",          NO,  OK,  NO,  NO,  NO,  401),
    # DISAGREE: admin: I read 403 (a child's history holds the child's record), the app answers 200
    ("GET",    "/api/history/{entity}/{entity_id}",                "",          OK,  OK,  OK,  NO,  NO,  401),
    # DISAGREE: admin: I read 403 (reports are finance's and trustees'), the app answers 200
    ("GET",    "/api/reports/statutory-income",                    "year=2026", OK,  OK,  NO,  OK,  NO,  401),
    # DISAGREE: admin: I read 403, the app answers 200
    ("GET",    "/api/reports/care",                                "year=2026", OK,  OK,  NO,  OK,  NO,  401),
]

ROLES = ("admin", "finance", "coordinator", "trustee", "family")
MATRIX = PUBLIC + PAGES + API

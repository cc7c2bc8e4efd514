"""Invitations and password resets by emailed link (issue 9 item 2): staff invite a family member, who sets a
password from the link; anyone with a login can ask for a reset link. Links are single use and expire; a bad,
used or expired link gets one message that says nothing more."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from provider import references
from provider.mail import send_message
from provider.base import utcnow
from provider.config import PUBLIC_URL_MISSING
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.organisation.models import ProviderSettings
from provider.people import family
from provider.people.access import child_for
from provider.people import invitations
from provider.people.invitations import LinkPurpose
from provider.users.models import Role, User
from provider.users.service import find_by_email
from provider.web.deps import DB, allow, public
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
INVITING = allow(Role.coordinator)


def _public_url(request: Request) -> str | None:
    """The address emailed links point to: LANTERN_PUBLIC_URL only, never the Host header a request came with
    (anyone can set that, and a reset link to their own site would hand them the account)."""
    return request.app.state.settings.public_url


def _hospice(db) -> str:
    settings = db.get(ProviderSettings, 1)
    return settings.name if settings else "The hospice"


@router.post("/children/{child_id}/family/{member_id}/invite")
def invite(request: Request, db: DB, child_id: uuid.UUID, member_id: uuid.UUID, user: User = INVITING):
    child = child_for(db, user, child_id)
    member = family.get_family_member(db, member_id)
    family.link_between(db, child, member.id)
    base = _public_url(request)
    if base is None:
        return RedirectResponse(f"/children/{child.id}?invite_unset=1#family-access", status_code=303)
    try:
        with unit_of_work(db):
            token = invitations.invite(db, member, user, utcnow())
            hospice = _hospice(db)
            send_message(db, request.app.state.settings, member.email, f"{hospice}: your invitation to Lantern",
                         f"Dear {member.name},\n\n{hospice} has invited you to see your child's care and money "
                         f"online. Set your password here (the link works once, for {invitations.INVITATION_DAYS} "
                         f"days):\n\n{base}/invite/{token}\n\nIf you were not expecting this, you "
                         f"can ignore it.\n", references.source_ref("family_member", member.id), "invitation", user.id)
    except FieldErrors as exc:
        return RedirectResponse(f"/children/{child.id}?invite_refused={exc.errors['email']}#family-access",
                                status_code=303)
    return RedirectResponse(f"/children/{child.id}?invited={member.id}#family-access", status_code=303)


def _set_password_page(request: Request, template: str, token: str, errors: dict, status: int = 200):
    return render(request, template, {"token": token, "errors": errors, "values": {}}, status)


@router.get("/invite/{token}")
def invitation_page(request: Request, db: DB, token: str, _: User | None = public()):
    invitations.live_link(db, token, LinkPurpose.invitation, utcnow())
    return _set_password_page(request, "users/invitation.html", token, {})


@router.post("/invite/{token}")
def accept_invitation(request: Request, db: DB, token: str, _: User | None = public()):
    data = form_data(request)
    try:
        with unit_of_work(db):
            invitations.accept(db, token, data.get("password") or "", data.get("confirm") or "", utcnow())
    except FieldErrors as exc:
        return _set_password_page(request, "users/invitation.html", token, exc.errors, 422)
    return RedirectResponse("/login?welcome=1", status_code=303)


def _reset_request_page(request: Request, values: dict, errors: dict, sent: bool, status: int = 200):
    unset = PUBLIC_URL_MISSING if _public_url(request) is None else None
    return render(request, "users/reset_request.html",
                  {"values": values, "errors": errors, "sent": sent, "unset": unset}, 503 if unset else status)


@router.get("/password-reset")
def reset_request_page(request: Request, _: User | None = public()):
    return _reset_request_page(request, {}, {}, False)


@router.post("/password-reset")
def reset_request(request: Request, db: DB, _: User | None = public()):
    data = form_data(request)
    base = _public_url(request)
    if base is None:
        return _reset_request_page(request, {}, {}, False)
    email = (data.get("email") or "").strip().lower()
    if not email or "@" not in email:
        return _reset_request_page(request, data, {"email": "must be an email address, like name@example.com"},
                                   False, 422)
    with unit_of_work(db):
        user = find_by_email(db, email)
        if user is not None and user.is_active:
            token = invitations.make_link(db, LinkPurpose.password_reset, email, utcnow(), user=user)
            send_message(db, request.app.state.settings, user.email, f"{_hospice(db)}: set a new password",
                         f"Dear {user.name},\n\nSomeone asked to set a new password for your login. If it was you, "
                         f"follow this link (it works once, for {invitations.RESET_HOURS} hours):\n\n"
                         f"{base}/password-reset/{token}\n\nIf it was not you, ignore this email: "
                         f"your password stays as it is.\n", references.source_ref("user", user.id), "password_reset")
    return _reset_request_page(request, {}, {}, True)


@router.get("/password-reset/{token}")
def reset_page(request: Request, db: DB, token: str, _: User | None = public()):
    invitations.live_link(db, token, LinkPurpose.password_reset, utcnow())
    return _set_password_page(request, "users/reset.html", token, {})


@router.post("/password-reset/{token}")
def reset(request: Request, db: DB, token: str, _: User | None = public()):
    data = form_data(request)
    try:
        with unit_of_work(db):
            invitations.reset(db, token, data.get("password") or "", data.get("confirm") or "", utcnow())
    except FieldErrors as exc:
        return _set_password_page(request, "users/reset.html", token, exc.errors, 422)
    return RedirectResponse("/login?reset=1", status_code=303)

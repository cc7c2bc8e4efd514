"""Whether a request came over HTTPS, and from which client address, when a TLS proxy may stand in front.

X-Forwarded-Proto and X-Forwarded-For are believed only when the request itself comes from the one address
Settings.trusted_proxy names (LANTERN_TRUSTED_PROXY). From any other address, or with none set, they are
ignored: anyone can send those headers.
"""
from __future__ import annotations

import ipaddress

from fastapi import Request


def _same_address(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


def from_trusted_proxy(request: Request) -> bool:
    proxy = request.app.state.settings.trusted_proxy
    return bool(proxy) and request.client is not None and _same_address(request.client.host, proxy)


def _nearest(header: str | None) -> str:
    # Each proxy appends to the list: the last entry is the one our proxy wrote.
    return (header or "").split(",")[-1].strip()


def is_https(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    return from_trusted_proxy(request) and _nearest(request.headers.get("x-forwarded-proto")).lower() == "https"


def client_address(request: Request) -> str:
    """The address the request came from: the proxy's word for it when the proxy is trusted."""
    direct = request.client.host if request.client else "unknown"
    if from_trusted_proxy(request):
        return _nearest(request.headers.get("x-forwarded-for")) or direct
    return direct

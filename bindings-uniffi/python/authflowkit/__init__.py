"""authflow: one OAuth 2.0 client core for Makini Link, the Makini Admin
API, MakeShift and any standards-following server.

Everyday use::

    import authflowkit

    # A service calling an API with its own credentials: tokens on first
    # use, renewed before they expire.
    service = authflowkit.connect(token_url=TOKEN_URL, api_base=API, client_id=ID,
                                  client_secret=SECRET, grant="client_credentials").session()
    me = service.get("me").json()

    # A user logging in: authorization code + PKCE.
    app = authflowkit.connect("makini_link", client_id=ID, client_secret=SECRET, redirect_uri=REDIRECT)
    start = app.authorization_url()              # send the user to start.url, keep start.pending
    tokens = app.exchange(callback_url, start.pending)
    user = app.session(tokens, on_persist=lambda t: db.save(t.to_json()))

    # An OpenID Provider: discovery, then the same login; the ID token is
    # validated (signature, issuer, audience, nonce, times) before exchange returns.
    oidc = authflowkit.connect(authflowkit.discover_profile(ISSUER, openid=True), client_id=ID,
                               client_secret=SECRET, redirect_uri=REDIRECT, scopes=["openid", "email"])
    claims = oidc.exchange(callback_url, pending).id_token_claims()   # claims.sub, claims.extra_json

    try:
        user.get("sites")
    except authflowkit.AuthflowError as e:          # OAuthError, HttpError, TransportError, ...
        print(e)                                 # one line: kind, what the provider said, action
        if e.action == "authorize_again": ...

:class:`AsyncOAuthClient` has the same flows as coroutines (:mod:`authflowkit.aio`
has its shared session's Redis store, for web servers on asyncio). Errors are
:class:`AuthflowError` subclasses whose ``kind`` and ``action`` compare with
strings. Nothing secret is ever in an error, a ``repr`` or a ``str``.

The sans-IO layer (request builders and response parsers, the renewal state
machine, transports, stores) is :mod:`authflowkit.sansio`.
"""

from __future__ import annotations

import typing as _typing

from . import _copying, _fastpath  # noqa: F401  (before anything calls the native classes)
from . import aio, sansio
from ._aio import AsyncOAuthClient, AsyncSession
from ._client import AuthorizationStart, DeviceCode, Headers, OAuthClient, Response, Session, connect
from ._defaults import UrllibTransport
from ._errors import (
    Action,
    AuthflowError,
    AuthorizationRequiredError,
    CallbackError,
    ConfigurationError,
    ErrorKind,
    HttpError,
    InvalidResponseError,
    InvalidStoredValueError,
    OAuthError,
    TransportError,
)
from ._native import (
    AuthorizationOptions,
    LogoutOptions,
    DiscoveryDocument as _DiscoveryDocument,
    HttpTransport as _HttpTransport,
    Introspection,
    Profile,
    TokenInfo,
    TokenSet,
    TokenStore,
    TokenTypeHint,
    discover as _discover,
)
from ._redis import RedisStore


def discover_profile(issuer: str, openid: bool = False,
                     transport: _typing.Optional[_HttpTransport] = None) -> Profile:
    """A generic profile from an issuer's RFC 8414 metadata
    (``/.well-known/oauth-authorization-server``), or with ``openid=True``
    its OpenID Provider Metadata (``/.well-known/openid-configuration``)."""
    document = (_DiscoveryDocument.OPENID_CONFIGURATION if openid
                else _DiscoveryDocument.AUTHORIZATION_SERVER)
    return _discover(issuer, document, transport if transport is not None else UrllibTransport())


__all__ = [
    "connect", "discover_profile", "OAuthClient", "AsyncOAuthClient", "Session", "AsyncSession",
    "Response", "Headers", "Profile", "TokenSet", "AuthorizationStart", "DeviceCode", "AuthorizationOptions",
    "TokenInfo", "Introspection", "TokenTypeHint", "RedisStore", "TokenStore", "UrllibTransport",
    "AuthflowError", "OAuthError", "CallbackError", "HttpError", "TransportError",
    "InvalidResponseError", "ConfigurationError", "AuthorizationRequiredError",
    "InvalidStoredValueError", "ErrorKind", "Action", "sansio",
    "LogoutOptions",
]

"""The "browser" of the example programs: a test provider approves at
once, so opening the authorization URL is one request whose redirect
(``Location``) is the callback URL an app would receive. A real app sends
the user to the URL instead."""

from __future__ import annotations

import typing
import urllib.error
import urllib.request


class _Stop(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: typing.Any, **kwargs: typing.Any) -> None:
        return None


def follow_redirect(authorize_url: str) -> str:
    """Where the provider redirects to from ``authorize_url``."""
    try:
        urllib.request.build_opener(_Stop()).open(authorize_url, timeout=30)
    except urllib.error.HTTPError as answer:
        return str(answer.headers["Location"])
    raise SystemExit("the provider did not redirect")

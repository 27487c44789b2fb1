"""A scripted user at oidc-provider's login and consent pages, for the
OpenID tests: from the authorization URL to the redirect back to the app,
following redirects by hand, keeping cookies and submitting the pages'
forms as a browser does. It stops at the redirect to ``redirect_uri`` and
returns that URL (nothing listens there).

The Python twin of examples/tests/common/browser.rs, as small as one local
test server allows: one host, no JavaScript, the standard library's HTML
parser."""

from __future__ import annotations

import html.parser
import http.cookiejar
import typing
import urllib.error
import urllib.parse
import urllib.request


class _Forms(html.parser.HTMLParser):
    """Every ``<form>``'s action, method and named inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: typing.List[typing.Tuple[str, str, typing.Dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: typing.List[typing.Tuple[str, typing.Optional[str]]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append((values.get("action", ""), values.get("method", "get").lower(), {}))
        elif tag == "input" and self.forms and "name" in values:
            self.forms[-1][2][values["name"]] = values.get("value", "")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: typing.Any, **kwargs: typing.Any) -> None:
        return None


def login(authorization_url: str, redirect_uri: str, user: str) -> str:
    """Logs ``user`` in (any password) and consents; returns the callback URL."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects())
    url, data = authorization_url, None
    for _ in range(30):
        try:
            with opener.open(urllib.request.Request(url, data=data), timeout=10) as response:
                body, status, location = response.read().decode(), response.status, None
        except urllib.error.HTTPError as redirect:
            body, status, location = redirect.read().decode(), redirect.code, redirect.headers.get("Location")
        data = None
        if location is not None:
            url = urllib.parse.urljoin(url, location)
            if url.startswith(redirect_uri):
                return url
            continue
        assert status == 200, f"{status} at {url}:\n{body}"
        parser = _Forms()
        parser.feed(body)
        form = next((f for f in parser.forms if "prompt" in f[2]), None)
        assert form is not None, f"no interaction form at {url}:\n{body}"
        action, _method, fields = form
        if fields["prompt"] == "login":
            fields.update(login=user, password="any password")
        url = urllib.parse.urljoin(url, action)
        data = urllib.parse.urlencode(fields).encode()
    raise AssertionError(f"no redirect to {redirect_uri}")

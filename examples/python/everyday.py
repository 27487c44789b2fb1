#!/usr/bin/env python3
"""Everyday authflow, in five parts: a service calling an API with its own
credentials (1), its tokens renewed by the session (2); a user logging in
with authorization code + PKCE (3) and calling the API (4); and an error
that says what to do (5).

    python examples/python/everyday.py SETTINGS.json

SETTINGS.json names the provider: {"service": {...}, "app": {...}}, each
with the URLs (``token_url``, ``api_base``; the app also
``authorization_url`` and ``redirect_uri``), ``client_id``,
``client_secret``, the API ``path`` to call and, for the providers authflow
knows by name, ``profile`` (e.g. ``"makini_admin"``). The secrets are read
from the file, never from the command line. The "browser" here follows the
provider's redirect by itself (approving_browser.py: a test provider that
approves at once); a real app sends the user to ``url`` and gets the
callback URL back.
"""

from __future__ import annotations

import json
import sys
import typing

import authflowkit
from approving_browser import follow_redirect

Settings = typing.Dict[str, str]


def everyday(s: Settings, a: Settings, browser: typing.Callable[[str], str]) -> None:
    # 1. A service with its own credentials: the session gets tokens on first use ...
    service = authflowkit.connect(s.get("profile"), token_url=s["token_url"], api_base=s["api_base"],
                                  client_id=s["client_id"], client_secret=s["client_secret"],
                                  grant="client_credentials").session()
    print("service:", service.get(s["path"]).json())
    # 2. ... and renews them before they expire, once however many threads call.
    print("service, later:", service.get(s["path"]).json())

    # 3. A user logs in: authorization code with PKCE and state.
    app = authflowkit.connect(a.get("profile"), token_url=a["token_url"], api_base=a["api_base"],
                              authorization_url=a["authorization_url"], client_id=a["client_id"],
                              client_secret=a["client_secret"], redirect_uri=a["redirect_uri"])
    url, pending = app.authorization_url()  # send the user to url; keep pending until they return
    tokens = app.exchange(browser(url), pending)
    print("store:", tokens)  # printed redacted; tokens.to_json() is what a store keeps
    # 4. The user's API calls; every renewed token set is handed over to be stored.
    user = app.session(tokens, on_persist=lambda t: print("store:", t))
    print("user:", user.get(a["path"]).json())

    # 5. A wrong secret: the error says what went wrong and what to do.
    try:
        authflowkit.connect(s.get("profile"), token_url=s["token_url"], api_base=s["api_base"],
                            client_id=s["client_id"], client_secret="not-the-secret",
                            grant="client_credentials").session().get(s["path"])
    except authflowkit.AuthflowError as e:
        print("error:", e, "->", e.action)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as file:
        settings = json.load(file)
    everyday(settings["service"], settings["app"], follow_redirect)

#!/usr/bin/env python3
"""The five parts of examples/python/everyday.py written with Authlib's
requests client (OAuth2Session), as its documentation shows them: the peer
program the authflow one is measured against (lines, concepts). Same
SETTINGS.json; runs against the Authlib peer server (tests/peers/authlib),
in that server's venv (Authlib, requests)."""

from __future__ import annotations

import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from approving_browser import follow_redirect  # noqa: E402

from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError


def everyday(s, a, browser):
    # 1. A service with its own credentials: fetch a token first ...
    service = OAuth2Session(s["client_id"], s["client_secret"], token_endpoint=s["token_url"],
                            grant_type="client_credentials")
    service.fetch_token()
    answer = service.get(s["api_base"] + s["path"])
    answer.raise_for_status()
    print("service:", answer.json())
    # 2. ... requests made through the session fetch a new one when it expires.
    answer = service.get(s["api_base"] + s["path"])
    answer.raise_for_status()
    print("service, later:", answer.json())

    # 3. A user logs in: authorization code with PKCE (verifier and state kept by the app).
    app = OAuth2Session(a["client_id"], a["client_secret"], redirect_uri=a["redirect_uri"],
                        code_challenge_method="S256", token_endpoint=a["token_url"],
                        update_token=lambda token, **kwargs: print("store:", token))
    verifier = generate_token(48)
    url, state = app.create_authorization_url(a["authorization_url"], code_verifier=verifier)
    token = app.fetch_token(authorization_response=browser(url), state=state, code_verifier=verifier)
    print("store:", token)
    # 4. The user's API calls (refreshed when expired, update_token stores the new token).
    answer = app.get(a["api_base"] + a["path"])
    answer.raise_for_status()
    print("user:", answer.json())

    # 5. A wrong secret: the provider's code; what to do is the app's to decide.
    try:
        OAuth2Session(s["client_id"], "not-the-secret", token_endpoint=s["token_url"],
                      grant_type="client_credentials").fetch_token()
    except OAuthError as e:
        print("error:", e.error, "->", "fix_configuration" if e.error == "invalid_client" else "retry")


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as file:
        settings = json.load(file)
    everyday(settings["service"], settings["app"], follow_redirect)

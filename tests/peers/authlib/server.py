"""An OAuth 2.0 authorization server built from Authlib, for authflow's
end-to-end tests (examples/tests/e2e_authlib.rs).

Authlib's own grant and endpoint classes do the protocol work; this file only
supplies what Authlib leaves to the application: storage (in memory), the
registered clients and user, and a counter endpoint.

    .venv/bin/python server.py [PORT]

listens on 127.0.0.1 (PORT, default 0: any free port), prints one JSON line
{"issuer": "http://127.0.0.1:P"} to stdout once it listens, and exits when its
stdin closes or on SIGTERM.

Routes:
    GET  /oauth/authorize    authorization code with PKCE S256 (RFC 7636,
                             required); approves at once as the user alice
                             and redirects to the client's redirect URI
    POST /oauth/token        authorization_code, password,
                             client_credentials, refresh_token
                             (rotating: each refresh issues a new refresh
                             token and revokes the one presented)
    POST /oauth/revoke       RFC 7009
    POST /oauth/introspect   RFC 7662
    POST /stock/oauth/token  the password grant exactly as Authlib ships it
                             (see StockPasswordGrant)
    GET  /api/me             a protected resource (RFC 6750 bearer, scope
                             "profile"), through Authlib's ResourceProtector
    GET  /stats              {"refresh_attempts", "refreshes", "replays",
                             "client_credentials"}

PEER_CLIENT_CREDENTIALS_EXPIRES_IN (seconds, default 1800) sets the
lifetime of client-credentials tokens: a short one makes clients renew.

Every client-authenticated route accepts client_secret_basic and
client_secret_post, but each client may use only the method it registered.
The code flow and refresh also take public clients (method none, PKCE
required): spa-client, a browser app's registration.
"""

import hmac
import json
import os
import signal
import sys
import threading
import time

# Authlib refuses plain-http request URLs unless this is set. This server
# only ever binds 127.0.0.1, so nothing it serves leaves the machine; the
# tests talk to it over loopback http. (Authlib 1.9 already accepts http to a
# loopback host on its own; the variable keeps older or stricter versions
# working too.)
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

from authlib.integrations.flask_oauth2 import AuthorizationServer  # noqa: E402
from authlib.integrations.flask_oauth2 import ResourceProtector  # noqa: E402
from authlib.integrations.flask_oauth2 import current_token  # noqa: E402
from authlib.oauth2.rfc6749 import ClientMixin  # noqa: E402
from authlib.oauth2.rfc6749 import InvalidGrantError  # noqa: E402
from authlib.oauth2.rfc6749 import TokenMixin  # noqa: E402
from authlib.oauth2.rfc6749 import grants  # noqa: E402
from authlib.oauth2.rfc6750 import BearerTokenValidator  # noqa: E402
from authlib.oauth2.rfc7636 import CodeChallenge  # noqa: E402
from authlib.oauth2.rfc7009 import RevocationEndpoint  # noqa: E402
from authlib.oauth2.rfc7662 import IntrospectionEndpoint  # noqa: E402
from flask import Flask  # noqa: E402
from flask import jsonify  # noqa: E402
from flask import request  # noqa: E402
from werkzeug.serving import WSGIRequestHandler  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
SCOPES = ["profile", "email"]
# Token lifetimes (seconds) per grant, as Authlib's OAUTH2_TOKEN_EXPIRES_IN.
EXPIRES_IN = {
    "authorization_code": 3600,
    "password": 3600,
    "client_credentials": int(os.environ.get("PEER_CLIENT_CREDENTIALS_EXPIRES_IN", "1800")),
    "refresh_token": 3600,
}
ALL_GRANTS = {"password", "client_credentials", "refresh_token"}
# The redirect URI of the code-flow client (an app on this machine).
APP_REDIRECT_URI = "http://127.0.0.1:8400/callback"


class User:
    def __init__(self, user_id, username, password):
        self.id = user_id
        self.username = username
        self.password = password

    def get_user_id(self):
        return self.id


class Client(ClientMixin):
    def __init__(self, client_id, secret, auth_method, scope, grant_types, redirect_uris=()):
        self.client_id = client_id
        self.secret = secret
        self.auth_method = auth_method
        self.scope = scope
        self.grant_types = grant_types
        self.redirect_uris = list(redirect_uris)

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        allowed = self.scope.split()
        if not scope:
            return " ".join(allowed)
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(self.secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.auth_method

    def check_response_type(self, response_type):
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


# The registrations the tests use. The basic client's secret holds the
# characters RFC 6749 §2.3.1's form-encoding exists for (':' would otherwise
# split the Basic credentials). It has no space: Authlib decodes Basic
# credentials with urllib's unquote, not unquote_plus, so a space that a
# client form-encodes as '+' (as §2.3.1 says) comes out as a literal '+'.
CLIENTS = {
    c.client_id: c
    for c in [
        Client("basic-client", "b4sic:s3cret/+%&=?", "client_secret_basic", "profile email", ALL_GRANTS),
        Client("post-client", "p0st-s3cret", "client_secret_post", "profile email", ALL_GRANTS),
        Client("service-client", "s3rvice-s3cret", "client_secret_basic", "profile email",
               {"client_credentials"}),
        Client("app-client", "app-s3cret", "client_secret_basic", "profile email",
               {"authorization_code", "refresh_token"}, [APP_REDIRECT_URI]),
        # A public client (a browser app): no secret, PKCE.
        Client("spa-client", "", "none", "profile email",
               {"authorization_code", "refresh_token"}, [APP_REDIRECT_URI]),
    ]
}
USERS = {u.username: u for u in [User(1, "alice", "wonderland-pw")]}
USERS_BY_ID = {u.id: u for u in USERS.values()}


class TokenRecord:
    """One token response: an access token and maybe a refresh token."""

    def __init__(self, token, client_id, user_id):
        self.access_token = token["access_token"]
        self.refresh_token = token.get("refresh_token")
        self.scope = token.get("scope", "")
        self.expires_in = token.get("expires_in", 0)
        self.issued_at = int(time.time())
        self.client_id = client_id
        self.user_id = user_id
        self.access_revoked = False
        self.refresh_revoked = False


class TokenView(TokenMixin):
    """A record seen as one of its two tokens, so that expiry and revocation
    (what introspection and revocation ask about) are the right token's."""

    def __init__(self, record, kind):
        self.record = record
        self.kind = kind  # "access_token" or "refresh_token"

    def check_client(self, client):
        return self.record.client_id == client.get_client_id()

    def get_scope(self):
        return self.record.scope

    def get_expires_in(self):
        return self.record.expires_in

    def get_expires_at(self):
        return self.record.issued_at + self.record.expires_in

    def is_expired(self):
        # Refresh tokens here do not expire; access tokens do.
        return self.kind == "access_token" and time.time() >= self.get_expires_at()

    def is_revoked(self):
        if self.kind == "access_token":
            return self.record.access_revoked
        return self.record.refresh_revoked

    def get_user(self):
        return USERS_BY_ID.get(self.record.user_id)

    def get_client(self):
        return CLIENTS.get(self.record.client_id)


class Store:
    """Tokens and counters. One lock serialises every OAuth request, so
    counts and revocations are exact under concurrent requests."""

    def __init__(self):
        self.lock = threading.RLock()
        self.by_access = {}
        self.by_refresh = {}
        self.refresh_attempts = 0
        self.refreshes = 0
        self.replays = 0
        self.client_credentials = 0
        self.codes = {}

    def save(self, token, req):
        user_id = req.user.get_user_id() if req.user else None
        record = TokenRecord(token, req.client.get_client_id(), user_id)
        self.by_access[record.access_token] = record
        if record.refresh_token:
            self.by_refresh[record.refresh_token] = record
        if req.payload.grant_type == "refresh_token":
            self.refreshes += 1
        if req.payload.grant_type == "client_credentials":
            self.client_credentials += 1

    def find(self, token_string, hint):
        kinds = ["refresh_token", "access_token"] if hint == "refresh_token" else ["access_token", "refresh_token"]
        for kind in kinds:
            table = self.by_access if kind == "access_token" else self.by_refresh
            record = table.get(token_string)
            if record is not None:
                return TokenView(record, kind)
        return None


STORE = Store()


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def authenticate_user(self, username, password):
        user = USERS.get(username)
        if user is not None and hmac.compare_digest(user.password.encode(), password.encode()):
            return user
        # RFC 6749 §5.2: invalid resource owner credentials are invalid_grant.
        # Stock Authlib answers invalid_request instead (see StockPasswordGrant).
        raise InvalidGrantError("Invalid username or password.")


class StockPasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    """The password grant as Authlib ships it: on bad user credentials
    (authenticate_user returns None) Authlib itself answers 400
    invalid_request "Invalid 'username' or 'password' in request."."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def authenticate_user(self, username, password):
        user = USERS.get(username)
        if user is not None and hmac.compare_digest(user.password.encode(), password.encode()):
            return user
        return None


class AuthorizationCode:
    """One code the authorize route issued, with its PKCE challenge."""

    def __init__(self, code, client_id, redirect_uri, scope, user_id, challenge, method):
        self.code = code
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.user_id = user_id
        self.code_challenge = challenge
        self.code_challenge_method = method
        self.auth_time = int(time.time())

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return None

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None

    def is_expired(self):
        return time.time() > self.auth_time + 300


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS + ["none"]

    def save_authorization_code(self, code, request):
        payload = request.payload
        STORE.codes[code] = AuthorizationCode(
            code, request.client.get_client_id(), payload.redirect_uri, payload.scope,
            request.user.get_user_id(), payload.data.get("code_challenge"),
            payload.data.get("code_challenge_method"))

    def query_authorization_code(self, code, client):
        found = STORE.codes.get(code)
        if found is not None and found.client_id == client.get_client_id() and not found.is_expired():
            return found
        return None

    def delete_authorization_code(self, authorization_code):
        STORE.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return USERS_BY_ID.get(authorization_code.user_id)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS + ["none"]
    # Rotation: every refresh issues a new refresh token ...
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        view = STORE.find(refresh_token, "refresh_token")
        if view is None or view.kind != "refresh_token":
            return None
        if view.record.refresh_revoked:
            # A refresh token this server already rotated away (or revoked)
            # presented again: a replay. Authlib answers invalid_grant.
            STORE.replays += 1
            return None
        return view

    def authenticate_user(self, refresh_token):
        return refresh_token.get_user()

    def revoke_old_credential(self, refresh_token):
        # ... and revokes the one presented, once the new one is saved.
        refresh_token.record.refresh_revoked = True


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        return STORE.find(token_string, token_type_hint)

    def revoke_token(self, token, request):
        # RFC 7009 §2.1: revoking a refresh token also invalidates the access
        # token issued with it.
        token.record.access_revoked = True
        if token.kind == "refresh_token":
            token.record.refresh_revoked = True


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        return STORE.find(token_string, token_type_hint)

    def check_permission(self, token, client, request):
        # A client may introspect only its own tokens.
        return token.check_client(client)

    def introspect_token(self, token):
        record = token.record
        user = token.get_user()
        payload = {
            "active": True,
            "client_id": record.client_id,
            "scope": record.scope,
            "iat": record.issued_at,
            "token_type": "Bearer" if token.kind == "access_token" else "refresh_token",
        }
        if token.kind == "access_token":
            payload["exp"] = token.get_expires_at()
        if user is not None:
            payload["username"] = user.username
            payload["sub"] = str(user.id)
        return payload


class BearerValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        view = STORE.find(token_string, "access_token")
        if view is None or view.kind != "access_token":
            return None
        return view


def create_app():
    app = Flask(__name__)
    app.config.update(
        OAUTH2_REFRESH_TOKEN_GENERATOR=True,
        OAUTH2_TOKEN_EXPIRES_IN=EXPIRES_IN,
        OAUTH2_SCOPES_SUPPORTED=SCOPES,
    )

    def query_client(client_id):
        return CLIENTS.get(client_id)

    server = AuthorizationServer(app, query_client=query_client, save_token=STORE.save)
    server.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=True)])
    server.register_grant(PasswordGrant)
    server.register_grant(ClientCredentialsGrant)
    server.register_grant(RefreshTokenGrant)
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)

    stock = AuthorizationServer(app, query_client=query_client, save_token=STORE.save)
    stock.register_grant(StockPasswordGrant)

    @app.get("/oauth/authorize")
    def authorize():
        # No login page: the test user approves at once.
        with STORE.lock:
            return server.create_authorization_response(grant_user=USERS["alice"])

    @app.post("/oauth/token")
    def token():
        with STORE.lock:
            if request.form.get("grant_type") == "refresh_token":
                STORE.refresh_attempts += 1
            return server.create_token_response()

    @app.post("/stock/oauth/token")
    def stock_token():
        with STORE.lock:
            return stock.create_token_response()

    @app.post("/oauth/revoke")
    def revoke():
        with STORE.lock:
            return server.create_endpoint_response(RevocationEndpoint.ENDPOINT_NAME)

    @app.post("/oauth/introspect")
    def introspect():
        with STORE.lock:
            return server.create_endpoint_response(IntrospectionEndpoint.ENDPOINT_NAME)

    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(BearerValidator())

    @app.get("/api/me")
    @require_oauth("profile")
    def me():
        user = current_token.get_user()
        return jsonify(
            username=user.username if user else None,
            client_id=current_token.record.client_id,
        )

    @app.get("/stats")
    def stats():
        with STORE.lock:
            return jsonify(
                refresh_attempts=STORE.refresh_attempts,
                refreshes=STORE.refreshes,
                replays=STORE.replays,
                client_credentials=STORE.client_credentials,
            )

    return app


class QuietHandler(WSGIRequestHandler):
    """Logs errors, not one line per request."""

    def log_request(self, code="-", size="-"):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    httpd = make_server("127.0.0.1", port, create_app(), threaded=True, request_handler=QuietHandler)
    serving = threading.Thread(target=httpd.serve_forever, daemon=True)
    serving.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(json.dumps({"issuer": f"http://127.0.0.1:{httpd.server_port}"}), flush=True)
    try:
        # Serve until stdin closes (the test process went away) or SIGTERM.
        for _ in sys.stdin:
            pass
    except KeyboardInterrupt:
        pass
    finally:
        httpd.shutdown()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""authflow from Python: a Makini Link code flow and a MakeShift password
flow, against the local providers (default) or a real provider.

Local (starts target/debug/authflow-providers; build it first with
`cargo build -p authflow-test-providers`):

    python examples/python/authflow_example.py

A real provider (the secret comes from the environment, never the command line):

    export AUTHFLOW_CLIENT_SECRET=...
    python examples/python/authflow_example.py --profile makini-link --client-id ID --port 8400
    python examples/python/authflow_example.py --profile makeshift --client-id API_KEY
    python examples/python/authflow_example.py --profile makini-admin --client-id ID --token-endpoint URL

Install the package first: `pip install target/wheels/authflow-*.whl`
(`bash scripts/test-uniffi.sh` builds it).
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import pathlib
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import authflow


def local_demo(providers_binary: str) -> None:
    """Both flows against the local providers, the way a new user writes them."""
    proc = subprocess.Popen([providers_binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        urls = json.loads(proc.stdout.readline())
        link, shift = urls["makini_link"], urls["makeshift"]

        # Makini Link: authorization code + PKCE, exchange, API call (under 20 lines).
        profile = (authflow.Profile.makini_link()
                   .with_endpoint(authflow.EndpointRole.AUTHORIZATION, link["authorization_endpoint"])
                   .with_endpoint(authflow.EndpointRole.TOKEN, link["token_endpoint"])
                   .with_endpoint(authflow.EndpointRole.API_BASE, link["api_v4"]))
        makini = authflow.connect(profile, "link-client", client_secret="link-secret",
                                  redirect_uri="http://127.0.0.1:8400/callback")
        start = makini.authorization_url()                    # send the user to start.url
        redirect = simulate_user(start.url)                   # the local provider approves at once
        tokens = makini.exchange(redirect, start.pending)     # validates state, then exchanges
        conn = makini.session(tokens, on_persist=lambda t: print("  store:", t))
        print("Makini Link sites:", conn.get("sites").json()["data"])

        # MakeShift: the password grant with the API key and secret; logs in on first use.
        profile = (authflow.Profile.makeshift()
                   .with_endpoint(authflow.EndpointRole.TOKEN, shift["token_endpoint"])
                   .with_endpoint(authflow.EndpointRole.TOKEN_INFO, shift["token_info_endpoint"])
                   .with_endpoint(authflow.EndpointRole.API_BASE, shift["api"]))
        staff = authflow.connect(profile, "makeshift-key", client_secret="makeshift-secret").session()
        print("MakeShift employees:", staff.get("employees").json()["data"])
        print("MakeShift token expires in", staff.token_info().expires_in_seconds, "s")
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def simulate_user(authorize_url: str) -> str:
    """Opens the authorize URL as a browser would and returns where the
    provider redirects to (the local provider approves without a page)."""
    class Stop(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None
    try:
        urllib.request.build_opener(Stop()).open(authorize_url, timeout=30)
    except urllib.error.HTTPError as answer:
        return answer.headers["Location"]
    raise SystemExit("the provider did not redirect")


def wait_for_callback(port: int) -> str:
    """Listens once on http://127.0.0.1:PORT/callback and returns the request target."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"authflow: you can close this window.\n")

        def log_message(self, *args: object) -> None:
            pass

    with http.server.HTTPServer(("127.0.0.1", port), Handler) as server:
        while not seen:
            server.handle_request()
    return seen[0]


def real_provider(args: argparse.Namespace) -> None:
    secret = os.environ.get("AUTHFLOW_CLIENT_SECRET")
    if args.profile == "makini-link":
        redirect_uri = f"http://127.0.0.1:{args.port}/callback"
        client = authflow.connect(authflow.Profile.makini_link(), args.client_id, client_secret=secret,
                                  redirect_uri=redirect_uri)
        start = client.authorization_url()
        print("Open this URL and approve:\n ", start.url)
        tokens = client.exchange(wait_for_callback(args.port), start.pending)
    elif args.profile == "makeshift":
        client = authflow.connect(authflow.Profile.makeshift(), args.client_id, client_secret=secret)
        tokens = client.reauthenticate()
    else:
        if not args.token_endpoint:
            raise SystemExit("--token-endpoint is required for makini-admin")
        client = authflow.connect(authflow.Profile.makini_admin(args.token_endpoint), args.client_id,
                                  client_secret=secret)
        tokens = client.client_credentials()
    print("Tokens:", tokens)                                       # printed redacted
    if args.token_file:
        path = pathlib.Path(args.token_file)
        path.write_text(tokens.to_json())
        path.chmod(0o600)
        print("Saved to", path)
    if args.call:
        print(client.session(tokens).get(args.call).text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=["makini-link", "makeshift", "makini-admin"])
    parser.add_argument("--client-id")
    parser.add_argument("--token-endpoint", help="makini-admin's token endpoint")
    parser.add_argument("--port", type=int, default=8400, help="loopback port of the redirect URI")
    parser.add_argument("--token-file", help="where to save the token set (mode 0600)")
    parser.add_argument("--call", help="an API path to GET afterwards, e.g. sites or employees")
    parser.add_argument("--providers", default=str(pathlib.Path(__file__).resolve().parents[2]
                                                  / "target" / "debug" / "authflow-providers"))
    args = parser.parse_args()
    try:
        if args.profile is None:
            local_demo(args.providers)
        else:
            if not args.client_id:
                raise SystemExit("--client-id is required")
            real_provider(args)
    except authflow.AuthflowError as error:
        print(f"authflow error: {authflow.error_kind_name(error.kind)} "
              f"(action: {authflow.action_name(error.action)}): {error.reason}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

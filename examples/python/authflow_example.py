#!/usr/bin/env python3
"""authflow from Python: a Makini Link code flow and a MakeShift password
flow, against the local providers (default) or a real provider.

Local (starts target/debug/authflow-providers; build it first with
`cargo build -p authflow-test-providers --bin authflow-providers`):

    python examples/python/authflow_example.py

A real provider (the secret comes from the environment, never the command line):

    export AUTHFLOW_CLIENT_SECRET=...
    python examples/python/authflow_example.py --profile makini-link --client-id ID --port 8400
    python examples/python/authflow_example.py --profile makeshift --client-id API_KEY
    python examples/python/authflow_example.py --profile makini-admin --client-id ID --token-endpoint URL

Install the package first: `bash scripts/build-wheel.sh`, then
`pip install target/wheels/authflowkit-*.whl`.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import pathlib
import subprocess
import sys

try:
    import authflowkit
except ModuleNotFoundError as missing:
    if missing.name != "authflowkit":
        raise
    raise SystemExit(f"authflowkit (authflow for Python) is not installed for {sys.executable}: build the wheel with "
                     "`bash scripts/build-wheel.sh`, then `pip install target/wheels/authflowkit-*.whl`") from None
from approving_browser import follow_redirect


def local_demo(providers_binary: str) -> None:
    """Both flows against the local providers, the way a new user writes them."""
    if not os.access(providers_binary, os.X_OK):
        raise SystemExit(f"no local providers at {providers_binary}: build them with "
                         "`cargo build -p authflow-test-providers --bin authflow-providers`, "
                         "or name the binary with --providers PATH")
    proc = subprocess.Popen([providers_binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        urls = json.loads(proc.stdout.readline())
        link, shift = urls["makini_link"], urls["makeshift"]

        # Makini Link: authorization code + PKCE, exchange, API call.
        makini = authflowkit.connect("makini_link", client_id="link-client", client_secret="link-secret",
                                     redirect_uri="http://127.0.0.1:8400/callback",
                                     authorization_url=link["authorization_endpoint"],
                                     token_url=link["token_endpoint"], api_base=link["api_v4"])
        url, pending = makini.authorization_url()             # send the user to url
        redirect = follow_redirect(url)                         # the local provider approves at once
        tokens = makini.exchange(redirect, pending)           # validates state, then exchanges
        conn = makini.session(tokens, on_persist=lambda t: print("  store:", t))
        print("Makini Link sites:", conn.get("sites").json()["data"])

        # MakeShift: the password grant with the API key and secret; logs in on first use.
        makeshift = authflowkit.Profile.makeshift().with_endpoint(
            authflowkit.sansio.EndpointRole.TOKEN_INFO, shift["token_info_endpoint"])
        employees = authflowkit.connect(makeshift, client_id="makeshift-key", client_secret="makeshift-secret",
                                        token_url=shift["token_endpoint"], api_base=shift["api"]).session()
        print("MakeShift employees:", employees.get("employees").json()["data"])
        print("MakeShift token expires in", employees.token_info().expires_in_seconds, "s")
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


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
        client = authflowkit.connect("makini_link", client_id=args.client_id, client_secret=secret,
                                     redirect_uri=redirect_uri)
        url, pending = client.authorization_url()
        print("Open this URL and approve:\n ", url)
        tokens = client.exchange(wait_for_callback(args.port), pending)
    elif args.profile == "makeshift":
        client = authflowkit.connect("makeshift", client_id=args.client_id, client_secret=secret)
        tokens = client.reauthenticate()
    else:
        if not args.token_endpoint:
            raise SystemExit("--token-endpoint is required for makini-admin")
        client = authflowkit.connect("makini_admin", client_id=args.client_id, client_secret=secret,
                                     token_url=args.token_endpoint)
        tokens = client.client_credentials()
    print("Tokens:", tokens)                                       # printed redacted
    if args.token_file:
        path = pathlib.Path(args.token_file)
        path.write_text(tokens.to_json())
        path.chmod(0o600)
        print("Saved to", path)
    if args.call:
        print(client.session(tokens).get(args.call).text)


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
    except authflowkit.AuthflowError as error:
        print(f"authflow error: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

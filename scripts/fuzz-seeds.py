#!/usr/bin/env python3
"""Writes seed corpora for the cargo-fuzz targets from the golden vectors.

Usage: fuzz-seeds.py CORPUS_DIR

Every response in tests/vectors becomes a seed in the byte layout of
fuzz/fuzz_targets/input.rs, callbacks seed the callback target, stored forms
the stored_forms target, response bodies and stored JSON the
json_matches_serde target, callback queries the form_matches_form_urlencoded
target, WWW-Authenticate headers the challenge target, API paths the
api_paths target.
Seeds are generated, never committed.
"""
import hashlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROFILES = {"makini_link": 0, "makini_admin": 1, "makeshift": 2, "generic": 3}
GRANTS = {"authorization_code": 0, "refresh_token": 1, "client_credentials": 2, "password": 3}
RESPONSE_TARGETS = {
    "parse_token_response": ["token_response"],
    "parse_refresh_response": ["token_response"],
    "check_api_response": ["error_response"],
    "parse_revocation_response": ["error_response"],
    "parse_introspection_response": ["error_response"],
    "parse_token_info_response": ["token_info"],
    "parse_discovery_response": ["discovery"],
    "parse_device_authorization_response": ["device_authorization"],
    "parse_jwks_response": ["jwks"],
    "parse_token_exchange_response": ["token_exchange"],
    "parse_pushed_authorization_response": ["pushed_authorization"],
}


def body_of(response):
    if "body" in response:
        return response["body"].encode()
    if "body_json" in response:
        return json.dumps(response["body_json"]).encode()
    return b""


def encode_response(case, response):
    profile = PROFILES.get(case.get("profile", {}).get("kind", ""), 0)
    grant = GRANTS.get(case.get("input", {}).get("grant", ""), 0)
    selector = bytes([profile + 4 * grant + 128])  # now = 1713082414
    status = int(response.get("status", 200)) & 0xFFFF
    head = "".join(f"{n}: {v}\n" for n, v in response.get("headers", []))
    body = body_of(response)
    return selector + status.to_bytes(2, "big") + head.encode() + b"\0" + body


def seeds():
    for path in sorted((ROOT / "tests" / "vectors").rglob("*.json")):
        for case in json.loads(path.read_text())["cases"]:
            operation, given = case["operation"], case.get("input", {})
            for target in RESPONSE_TARGETS.get(operation, []):
                yield target, encode_response(case, given["response"])
                yield "json_matches_serde", body_of(given["response"])
            if operation in ("validate_callback", "exchange_request") and "callback" in given:
                yield "callback", given["callback"].encode()
                # The query (and fragment) a callback's form is read from.
                yield "form_matches_form_urlencoded", given["callback"].partition("?")[2].encode()
            if operation == "api_request":
                # Selector 0: the Makini v4 base the API vectors use.
                yield "api_paths", b"\x00" + given["path"].encode()
            if operation in ("validate_id_token", "validate_refreshed_id_token"):
                yield "id_token", json.dumps(given["jwks"]).encode() + b"\0" + given["id_token"].encode()
            if operation == "pending_from_storage":
                yield "stored_forms", given["stored"].encode()
            if operation == "token_set_from_json":
                yield "stored_forms", given["json"].encode()
                yield "json_matches_serde", given["json"].encode()
            key = case.get("client", {}).get("signing_key")
            if isinstance(key, dict):
                yield "signing_key", json.dumps(key).encode()
            elif isinstance(key, str):
                yield "signing_key", key.encode()
            if operation == "device_poll":
                yield "device_authorization", encode_response(case, given["authorization"])
            for step in given.get("steps", []):
                if "response" in step:
                    yield "token_response", encode_response(case, step["response"])
            for header in (r.get("headers", []) for r in [given.get("response", {})]):
                for name, value in header:
                    if name.lower() in ("retry-after", "date"):
                        yield "http_dates", b"\x80" + value.encode() + b"\n"
                # One line per WWW-Authenticate field line, as the target reads them.
                challenges = [v for n, v in header if n.lower() == "www-authenticate"]
                if challenges:
                    yield "challenge", "\n".join(challenges).encode()


def main():
    corpus = pathlib.Path(sys.argv[1])
    count = 0
    for target, data in seeds():
        directory = corpus / target
        directory.mkdir(parents=True, exist_ok=True)
        (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)
        count += 1
    print(f"fuzz-seeds: {count} seeds from tests/vectors into {corpus}")


if __name__ == "__main__":
    main()

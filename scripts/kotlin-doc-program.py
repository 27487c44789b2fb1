#!/usr/bin/env python3
"""docs/kotlin.md as one Kotlin program: its ```kotlin blocks, in order, as
the body of a `main` taking the local providers' base URL, the imports
hoisted, the settings a reader fills in (the `val NAME = ...` lines naming
their provider) replaced by the local providers', and at the end the checks
that the page did what it says. scripts/test-uniffi.sh compiles it with the
tests and runs it.

    python3 scripts/kotlin-doc-program.py docs/kotlin.md OUT.kt
"""

import re
import sys

# What a reader writes for their provider, and the local providers' instead
# (Kotlin string templates over `base`, the providers' root URL).
SETTINGS = {
    "AUTHORIZATION_URL": '"$base/link/oauth/authorize"',
    "TOKEN_URL": '"$base/link/token"',
    "API_BASE": '"$base/v4/"',
    "CLIENT_ID": '"link-client"',
    "CLIENT_SECRET": '"link-secret"',
    "REDIRECT_URI": '"http://127.0.0.1:8400/callback"',
    "SERVICE_TOKEN_URL": '"$base/admin/oauth/token"',
    "SERVICE_API_BASE": '"$base/admin/v4/"',
    "SERVICE_ID": '"admin-client"',
    "SERVICE_SECRET": '"admin-secret"',
}

# What the page says happened, checked after it ran.
CHECKS = """
    check(tokens.refreshToken() != null) { "the code exchange gave no refresh token" }
    check(sites.isNotEmpty() && sitesAgain == sites) { "the API answered the session differently" }
    check(renewed.refreshToken() != tokens.refreshToken()) { "the refresh did not rotate" }
    check(nextStep == "sign the user in again") { "the error was read as: $nextStep" }
    check(connections.isNotEmpty()) { "the service got nothing" }
    check(connectionsShared == connections) { "the shared session's answer differs: $connectionsShared" }
    println("docs/kotlin.md: every block ran, the checks hold")
"""


def main(page_path: str, out_path: str) -> None:
    with open(page_path, encoding="utf-8") as page:
        blocks = re.findall(r"^```kotlin\n(.*?)^```", page.read(), re.S | re.M)
    if not blocks:
        sys.exit(f"{page_path} has no kotlin blocks")
    imports, body = [], []
    for line in "".join(blocks).splitlines():
        (imports if line.startswith("import ") else body).append(line)
    source = "\n".join(body)
    for name, value in SETTINGS.items():
        pattern = re.compile(rf"^val {name} = .*$", re.M)
        if not pattern.search(source):
            sys.exit(f"{page_path} no longer sets {name}")
        source = pattern.sub(f"val {name} = {value}", source, count=1)
    indented = "\n".join("    " + line if line else line for line in source.splitlines())
    with open(out_path, "w", encoding="utf-8") as out:
        out.write("// Generated from docs/kotlin.md by scripts/kotlin-doc-program.py: do not edit.\n")
        out.write("package io.authflow.docs\n\n")
        out.write("\n".join(sorted(set(imports))) + "\n\n")
        out.write("/** The user's browser: the local test user approves at once. */\n")
        out.write("fun browser(url: String): String = io.authflow.sample.approve(url)\n\n")
        out.write("fun main(args: Array<String>) {\n    val base = args[0]\n")
        out.write(indented + "\n" + CHECKS + "}\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

// A tiny static server for the example pages, on 127.0.0.1 only:
//   /             examples/browser/ (index.html and app.js; openid.html and
//                 openid.js, the OpenID sign-in through authflowkit/browser-openid;
//                 dpop.html and dpop.js, DPoP through authflowkit/browser-dpop;
//                 backend.html and backend.js, the redirect checked in the
//                 page through authflowkit/browser-authorize and the code
//                 exchanged by this server; sign-in-page.js and page.css,
//                 what they share)
//   /authflow/    the built package, bindings-wasm/pkg/ (scripts/wasm-build.sh)
//   /config.json  the local providers' URLs (what authflow-providers prints)
//                 and, when it runs, the oidc-provider peer's issuer as
//                 `oidc_provider: { issuer }`
//   POST /backend/exchange
//                 backend.html's back end: takes the page's validated
//                 redirect (`JSON.stringify(callback)`: code, state,
//                 codeVerifier, redirectUri) and exchanges the code at the
//                 local Makini Link provider as `link-public`; the tokens
//                 stay here (the page gets their type and scope)
//
// Run it by hand with `node examples/browser/server.mjs`: it starts the
// local providers (cargo run -p authflow-test-providers --bin
// authflow-providers) and the oidc-provider peer (when
// tests/peers/oidc-provider/install.sh has installed it), prints the pages'
// URLs, and serves until stopped.
import { createServer } from "node:http";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { extname, join, normalize } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = join(here, "../..");
/** What the example pages' server serves: [URL prefix, folder], first match wins. */
const PAGE_ROOTS = [
  ["/authflow/", join(repo, "bindings-wasm/pkg")],
  ["/", here],
];
const types = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
};

/**
 * Serves the pages (or the folders `roots` names, e.g. a bundler's output)
 * on 127.0.0.1:`port` (0: any free port); resolves to `{ url, close }`.
 */
export async function serve({ providers, port = 0, roots = PAGE_ROOTS }) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    if (path === "/backend/exchange" && req.method === "POST") {
      await exchangeForPage(req, res, providers.makini_link.token_endpoint);
      return;
    }
    if (path === "/config.json") {
      res.writeHead(200, { "Content-Type": types[".json"], "Cache-Control": "no-store" });
      res.end(JSON.stringify(providers));
      return;
    }
    const [prefix, dir] = roots.find(([p]) => path.startsWith(p));
    const file = normalize(join(dir, path.slice(prefix.length) || "index.html"));
    if (!file.startsWith(dir) || file.includes("node_modules")) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file.endsWith("/") ? join(file, "index.html") : file);
      res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream", "Cache-Control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** Tokens the back end got for backend.html's users; kept, never sent to the page. */
export const backendTokens = [];

/**
 * backend.html's back end: the code exchange (RFC 6749 §4.1.3, RFC 7636
 * §4.5) from the page's validated redirect, as any back end would write it
 * with its own HTTP client. Answers `{ token_type, scope }`, or the
 * provider's error code with its status.
 */
async function exchangeForPage(req, res, tokenEndpoint) {
  const reply = (status, answer) => {
    res.writeHead(status, { "Content-Type": types[".json"], "Cache-Control": "no-store" });
    res.end(JSON.stringify(answer));
  };
  let body = "";
  for await (const chunk of req) body += chunk;
  let callback;
  try {
    callback = JSON.parse(body);
  } catch {
    callback = null;
  }
  const { code, codeVerifier, redirectUri } = callback ?? {};
  if (![code, codeVerifier, redirectUri].every((v) => typeof v === "string" && v)) {
    reply(400, { error: "invalid_request" });
    return;
  }
  const answer = await fetch(tokenEndpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: new URLSearchParams({
      grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: codeVerifier,
      client_id: "link-public",
    }),
  }).catch(() => null);
  const tokens = await answer?.json().catch(() => null);
  if (!answer || !tokens) {
    reply(502, { error: "the provider gave no JSON answer" });
  } else if (!answer.ok) {
    reply(answer.status, { error: String(tokens.error ?? "unknown") });
  } else {
    backendTokens.push(tokens);
    reply(200, { token_type: tokens.token_type, scope: tokens.scope ?? null });
  }
}

/**
 * Spawns a test server that prints one JSON line once it listens and stops
 * when its stdin closes (the local providers, the Authlib and oidc-provider
 * peers); resolves to `{ info, stop }`, `info` being that line. It also
 * stops with this process.
 */
export async function startServer(command, args, { cwd = repo, stderr = "ignore" } = {}) {
  const child = spawn(command, args, { cwd, stdio: ["pipe", "pipe", stderr] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const line = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (first) => { lines.close(); resolve(first); });
    child.once("exit", (code) => reject(new Error(`${args.at(-1) ?? command} exited with ${code} before it listened`)));
  });
  return { info: JSON.parse(line), stop: async () => { child.stdin.end(); await exited; } };
}

/**
 * Starts the local providers (`authflow-providers`, built by cargo if
 * needed); resolves to `{ urls, stop }`.
 */
export async function startProviders() {
  const { info, stop } = await startServer("cargo",
    ["run", "--quiet", "--locked", "-p", "authflow-test-providers", "--bin", "authflow-providers"], { stderr: "inherit" });
  return { urls: info, stop };
}

/**
 * Starts the oidc-provider peer (tests/peers/oidc-provider, installed by its
 * install.sh) on a free port, with `flags` (e.g. `--dpop-nonce`); resolves
 * to `{ issuer, stop }`.
 */
export async function startOidcProvider(flags = []) {
  const { info, stop } = await startServer(process.execPath, [join(repo, "tests/peers/oidc-provider/server.mjs"), ...flags]);
  return { issuer: info.issuer, stop };
}

/**
 * Starts the Authlib peer (tests/peers/authlib, installed by its
 * install.sh; `AUTHLIB_PYTHON` names another interpreter); resolves to
 * `{ base, stop }`, `base` its issuer URL.
 */
export async function startAuthlib() {
  const python = process.env.AUTHLIB_PYTHON ?? join(repo, "tests/peers/authlib/.venv/bin/python");
  const { info, stop } = await startServer(python, [join(repo, "tests/peers/authlib/server.py")]);
  return { base: info.issuer, stop };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // The pages import the built package: without it they would only show 404s.
  const missing = ["index.js", "browser-openid/index.js", "browser-dpop/index.js", "browser-authorize/index.js"]
    .filter((file) => !existsSync(join(repo, "bindings-wasm/pkg", file)));
  if (missing.length) {
    console.error(`the npm package is not built (bindings-wasm/pkg/${missing[0]} is missing): `
      + "run `bash scripts/wasm-build.sh` from the repository root first");
    process.exit(1);
  }
  const providers = await startProviders();
  const oidc = await startOidcProvider().catch((error) => {
    console.log(`no oidc-provider peer (${error.message}): openid.html and dpop.html will not sign in `
      + "(install it with `bash tests/peers/oidc-provider/install.sh`)");
    return null;
  });
  const config = oidc ? { ...providers.urls, oidc_provider: { issuer: oidc.issuer } } : providers.urls;
  const page = await serve({ providers: config, port: Number(process.env.PORT ?? 0) });
  console.log(`example page: ${page.url}, the back end's exchange: ${page.url}backend.html (Ctrl-C to stop)`);
  if (oidc) console.log(`OpenID example page: ${page.url}openid.html, DPoP: ${page.url}dpop.html (oidc-provider at ${oidc.issuer}; any user name and password)`);
  const stop = async () => { await page.close(); await providers.stop(); await oidc?.stop(); process.exit(0); };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

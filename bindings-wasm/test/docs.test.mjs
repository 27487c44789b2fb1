// docs/javascript.md, run: each program of the page (its ```js blocks
// between `<!-- program: NAME -->` markers, in order, as a reader runs them)
// becomes one module, with only the settings a reader fills in (the
// `const NAME = ...;` lines naming their provider) replaced by the local
// providers' and the package imported from bindings-wasm/pkg. The browser
// program runs in Node with the three browser objects it touches stood in
// for: sessionStorage, location (assign() follows the provider's redirect
// back, as the user's browser would) and history. Then what the page says
// happened is checked.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startProviders } from "../../examples/browser/server.mjs";

const page = await readFile(new URL("../../docs/javascript.md", import.meta.url), "utf8");
const pkg = new URL("../pkg/", import.meta.url);
const ENTRIES = { authflowkit: "index.js", "authflowkit/node": "node/index.js" };
const REDIRECT_URI = "http://127.0.0.1:8400/callback";

let providers, work;
before(async () => {
  providers = await startProviders();
  work = await mkdtemp(join(tmpdir(), "authflow-docs-"));
});
after(async () => {
  await providers?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The page's programs: name → the source of its ```js blocks, in order. */
function programs() {
  const found = {};
  for (const [, name, body] of page.matchAll(/<!-- program: ([a-z]+) -->([\s\S]*?)(?=<!-- program:|$)/g)) {
    found[name] = [...body.matchAll(/^```js\n([\s\S]*?)^```/gm)].map((m) => m[1]).join("\n");
  }
  return found;
}

/** `source` with each setting's value replaced and the package's imports pointed at the build. */
function runnable(source, settings) {
  for (const [name, value] of Object.entries(settings)) {
    const line = new RegExp(`^const ${name} = .*;$`, "m");
    assert.match(source, line, `the page sets ${name}`);
    source = source.replace(line, `const ${name} = ${JSON.stringify(value)};`);
  }
  return source.replace(/from "(authflowkit(?:\/node)?)";/g, (_, entry) => {
    assert.ok(ENTRIES[entry], `the page imports ${entry}`);
    return `from ${JSON.stringify(new URL(ENTRIES[entry], pkg).href)};`;
  });
}

/** Runs `source` as a module that exports `names`; resolves to them. */
async function run(name, source, names) {
  const file = join(work, `${name}.mjs`);
  await writeFile(file, `${source}\nexport { ${names.join(", ")} };\n`);
  return import(pathToFileURL(file).href);
}

/** The browser objects the page's code touches, on globalThis. */
function standIns() {
  const items = new Map();
  globalThis.sessionStorage = {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => items.set(key, String(value)),
    removeItem: (key) => items.delete(key),
  };
  const visited = [];
  globalThis.location = {
    href: "http://127.0.0.1:8400/",
    // The user's browser: to the provider, which (the local test user
    // approving at once) redirects back to the app with the code.
    async assign(url) {
      visited.push(url);
      const answer = await fetch(url, { redirect: "manual" });
      assert.equal(answer.status, 302, `the provider redirects back: ${url}`);
      globalThis.location.href = answer.headers.get("location");
    },
  };
  globalThis.history = { state: null, replaceState: (state, title, url) => { globalThis.location.href = url; } };
  return { items, visited };
}

test("docs/javascript.md: the browser program signs in, keeps the tokens fresh and reads an error as the page says", async () => {
  const link = providers.urls.makini_link;
  const { items, visited } = standIns();
  const source = runnable(programs().browser, {
    AUTHORIZE_URL: link.authorization_endpoint, TOKEN_URL: link.token_endpoint, API_BASE: link.api_v4,
    CLIENT_ID: "link-public", REDIRECT_URI,
  });
  // location.assign() is not awaited by the page (a real one unloads it):
  // the program waits for the redirect before the redirect page's block.
  const waited = source.replace(/^(location\.assign\(.*\);)$/m, "await $1");
  const { tokens, renewed, next, sites, session } = await run("browser", waited,
    ["tokens", "renewed", "next", "sites", "session"]);
  assert.equal(visited.length, 1);
  const authorize = new URL(visited[0]).searchParams;
  assert.equal(authorize.get("client_id"), "link-public");
  assert.equal(authorize.get("code_challenge_method"), "S256");
  assert.equal(globalThis.location.href, REDIRECT_URI, "the code and state left the address bar");
  assert.equal(items.get("authflow.pending"), undefined, "the pending authorization was used up");
  assert.match(tokens.accessToken, /\S{20,}/);
  assert.equal(sites.status, 200);
  assert.equal(await session.accessToken(), tokens.accessToken, "still valid: no renewal");
  assert.notEqual(renewed.refreshToken, tokens.refreshToken, "the provider rotated the refresh token");
  assert.equal(next, "sign the user in again");
});

test("docs/javascript.md: the server program gets its own tokens and calls the API", async () => {
  const admin = providers.urls.makini_admin;
  const source = runnable(programs().server, {
    SERVICE_TOKEN_URL: admin.token_endpoint, SERVICE_API_BASE: admin.api, SERVICE_ID: "admin-client",
    SERVICE_SECRET: "admin-secret",
  });
  const { connections } = await run("server", source, ["connections"]);
  assert.ok(Array.isArray(connections.data ?? connections), JSON.stringify(connections));
});

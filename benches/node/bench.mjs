// The Node rows of BENCHMARKS.md: the authflow npm package as built into
// bindings-wasm/pkg (the Rust core in WebAssembly behind wasm-bindgen's JS
// glue) beside npm `oauth4webapi`, the low-level OAuth client JavaScript
// users pick, on the same operations, in one process run. Writes one JSON
// file (the shape scripts/bench-report.py reads) and prints it.
//
// authflow's side is the entry a Node.js server imports, `authflowkit/node`
// (pkg/node, its module built for speed); the browser entry (pkg, its
// module built for size) is timed beside it in the same rounds, as a
// reference without a ratio, and is what the size rows and the import in
// Chromium measure.
//
//   node benches/node/bench.mjs --out target/bench/node.json
//       [--rounds 5] [--time 400]       rounds of every task; ms per task per round
//   node benches/node/bench.mjs --check
//       every task of every row run once and its result checked, the
//       footprint and the import in Chromium once, nothing timed (the test
//       command runs this, so that a change to the package cannot leave the
//       benchmark broken until the next full run)
//   node --expose-gc benches/node/bench.mjs --footprint authflow|peer [--sessions 2000]
//       prints the resident set's growth per signed-in user (run by the
//       full run in fresh processes, for the footprint table)
//   node --cpu-prof benches/node/bench.mjs --profile "<operation>" [--seconds 4]
//       [--side authflow|browser|peer] [--pkg target/wasm-bindgen/named]
//       a plain loop of one row (the sides one after the other) for a CPU
//       profile; the Node entry's module keeps its function names, and with
//       the names-kept browser module (--pkg) its frames have names too.
//
// Timing: tinybench (pinned in package.json), one Bench per round with
// every task of every row, the order of the sides reversed every round;
// the figure kept is the median over the rounds of each task's mean time.
// Each task is checked once before it is timed (right answer, or the right
// error), so no row times a failure path by mistake.
//
// Fairness, row by row (the notes in the JSON say the same):
// - Both sides make their client once (authflow: `new OAuthClient(options)`;
//   oauth4webapi: its `as` and `client` objects) and call it per row.
// - Neither side gets a parse-only entry point it does not have. authflow's
//   client has createAuthorizationUrl, handleRedirect, exchangeCode and
//   refresh; its token-response parsing is reachable only through
//   exchangeCode/refresh, which build the request and call `fetch`. Both
//   sides get the same `fetch` stub, which answers a fresh `Response` (a
//   body can be read once), so both pay for constructing a Response and
//   reading its body the same way.
// - A validated callback is exchanged once (a code is used once), so the
//   code-exchange row validates a redirect and exchanges it on both sides,
//   and the parse rows read their answer through refresh.
// - Node has no sessionStorage: createAuthorizationUrl is called with
//   `storageKey: null` and returns the pending authorization as a string,
//   which handleRedirect reads back (`options.pending`) on every call.
import { Bench } from "tinybench";
import * as oauth from "oauth4webapi";
import * as esbuild from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");

// ---- arguments ------------------------------------------------------------
const args = process.argv.slice(2);
function arg(name, fallback) {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = args[at + 1];
  if (value === undefined) throw new Error(`--${name} needs a value`);
  return value;
}
const out = arg("out", null);
const rounds = Number(arg("rounds", "5"));
const timeMs = Number(arg("time", "400"));
const profileRow = arg("profile", null);
const profileSeconds = Number(arg("seconds", "4"));
const profileSides = arg("side", "authflow,peer").split(",");
const pkgDir = resolve(root, arg("pkg", "bindings-wasm/pkg"));
const nodePkgDir = resolve(root, arg("node-pkg", "bindings-wasm/pkg/node"));
const peerDir = join(here, "node_modules/oauth4webapi");
const checkOnly = args.includes("--check");
const footprintSide = arg("footprint", null);
const footprintSessions = Number(arg("sessions", "2000"));

// ---- the two libraries ----------------------------------------------------
async function loadAuthflow(dir) {
  try {
    statSync(join(dir, "index.js"));
    // The npm package: index.js instantiates the module on import.
    return await import(pathToFileURL(join(dir, "index.js")).href);
  } catch (error) {
    if (error.code !== "ENOENT") throw error;
  }
  // A wasm-bindgen output folder without the npm entry point (the
  // names-kept build of `scripts/wasm-build.sh --names`): initialise by hand.
  const glue = await import(pathToFileURL(join(dir, "authflow_wasm.js")).href);
  await glue.default({ module_or_path: readFileSync(join(dir, "authflow_wasm_bg.wasm")) });
  const [snippet] = readdirSync(join(dir, "snippets"));
  const snippetFile = (file) => pathToFileURL(join(dir, "snippets", snippet, "js", file)).href;
  const { AuthflowError } = await import(snippetFile("browser.js"));
  const { Session } = await import(snippetFile("token.js"));
  return { ...glue, AuthflowError, Session };
}
const authflow = await loadAuthflow(nodePkgDir);
const browserEntry = await loadAuthflow(pkgDir);
const OAUTH4 = `oauth4webapi ${oauth4Version()}`;
const BROWSER_ENTRY = "browser entry";

function oauth4Version() {
  return JSON.parse(readFileSync(join(here, "node_modules/oauth4webapi/package.json"), "utf8")).version;
}
function packageVersion(path) {
  return JSON.parse(readFileSync(path, "utf8")).version;
}

// ---- the same inputs as the Rust rows (benches/benches/peer.rs) -----------
const AUTHORIZE = "https://as.example/oauth/authorize";
const TOKEN = "https://as.example/oauth/token";
const REDIRECT = "https://app.example/callback";
const TOKEN_BODY = '{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","scope":"read write"}';
const ERROR_BODY = '{"error":"invalid_grant","error_description":"The refresh token has expired","error_uri":"https://as.example/errors/invalid_grant"}';
const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };

const options = {
  profile: "generic",
  endpoints: { authorization: AUTHORIZE, token: TOKEN },
  clientId: "bench-client",
  redirectUri: REDIRECT,
  scopes: ["read", "write"],
};
const request = { storageKey: null };
const as = { issuer: "https://as.example", authorization_endpoint: AUTHORIZE, token_endpoint: TOKEN };
const client = { client_id: "bench-client" };

// The token endpoint both sides talk to: a fresh Response per request.
let answer = { status: 200, body: TOKEN_BODY };
const stubFetch = async () => new Response(answer.body, { status: answer.status, headers: JSON_HEADERS });
globalThis.fetch = stubFetch; // what authflow's glue calls
const viaStub = { [oauth.customFetch]: stubFetch }; // what oauth4webapi is given

// Fixed inputs for the later steps, made once with each library (each
// authflow entry its own client, pending authorization and token set).
async function fixture(lib) {
  const ours = new lib.OAuthClient(options);
  const start = ours.createAuthorizationUrl(request);
  const state = new URL(start.url).searchParams.get("state");
  const redirect = `${REDIRECT}?code=SplxlOBeZQQYbYS6WxSbIA&state=${state}`;
  answer = { status: 200, body: TOKEN_BODY };
  const tokens = await ours.exchangeCode(ours.handleRedirect(redirect, { pending: start.pending }));
  return { lib, ours, start, state, redirect, tokens, session: new lib.Session(ours, { tokens }) };
}
const peerVerifier = oauth.generateRandomCodeVerifier();
const nodeFixture = await fixture(authflow);
const { ours, tokens } = nodeFixture;

// ---- the rows ---------------------------------------------------------------
// Each side: { answer (the stub's reply while it runs), fn, check(result) }.
// authflow's side made for one entry's fixture; the peer's reads the
// fixture's state and refresh token.
const rowsFor = ({ lib, ours, start, state, redirect, tokens, session }) => [
  {
    operation: "authorization URL with state + PKCE S256",
    note: "authflow: client.createAuthorizationUrl (entropy from crypto.getRandomValues, the URL, the pending authorization returned as a string with storageKey: null). oauth4webapi has no URL builder: its documented recipe (generateRandomCodeVerifier, await calculatePKCECodeChallenge (WebCrypto, async), generateRandomState, URL + searchParams.set).",
    authflow: {
      fn: () => ours.createAuthorizationUrl(request),
      check: (r) => r.url.includes("code_challenge_method=S256") && r.pending.length > 0,
    },
    peer: {
      fn: async () => {
        const verifier = oauth.generateRandomCodeVerifier();
        const challenge = await oauth.calculatePKCECodeChallenge(verifier);
        const peerState = oauth.generateRandomState();
        const url = new URL(as.authorization_endpoint);
        url.searchParams.set("client_id", client.client_id);
        url.searchParams.set("redirect_uri", REDIRECT);
        url.searchParams.set("response_type", "code");
        url.searchParams.set("scope", "read write");
        url.searchParams.set("code_challenge", challenge);
        url.searchParams.set("code_challenge_method", "S256");
        url.searchParams.set("state", peerState);
        return { url: url.href, state: peerState, verifier };
      },
      check: (r) => r.url.includes("code_challenge_method=S256"),
    },
  },
  {
    operation: "validate a callback",
    note: "authflow: client.handleRedirect(url, { pending }) (reads the pending string back, checks duplicates, state in constant time, iss, age, error, code) and free() of the result (wipes code and verifier). oauth4webapi: new URL(redirect) + validateAuthResponse (iss, state, error, no implicit/JARM).",
    authflow: {
      fn: () => {
        const validated = ours.handleRedirect(redirect, { pending: start.pending });
        validated.free();
        return true;
      },
      check: (r) => r === true,
    },
    peer: {
      fn: () => oauth.validateAuthResponse(as, client, new URL(redirect), state),
      check: (r) => r.get("code") === "SplxlOBeZQQYbYS6WxSbIA",
    },
  },
  {
    operation: "parse a token response",
    note: "authflow has no parse-only export: client.refresh through the fetch stub (the token set object read back member by member, no JSON, the request built, fetch, the Response read, the core's tolerant parse, a plain TokenSet object), so its side does more. oauth4webapi: processAuthorizationCodeResponse on a new Response (async: reads the body, checks the fields). Both sides construct one Response per call.",
    authflow: {
      answer: { status: 200, body: TOKEN_BODY },
      fn: () => ours.refresh(tokens),
      check: (r) => r.accessToken === "2YotnFZFEjr1zCsicMWpAA" && r.expiresAt !== null,
    },
    peer: {
      fn: () => oauth.processAuthorizationCodeResponse(as, client,
        new Response(TOKEN_BODY, { status: 200, headers: JSON_HEADERS })),
      check: (r) => r.access_token === "2YotnFZFEjr1zCsicMWpAA",
    },
  },
  {
    operation: "parse an error response",
    note: "A 400 invalid_grant body. authflow: client.refresh through the fetch stub, rejecting with an AuthflowError (kind, action, provider code, description, URI). oauth4webapi: processAuthorizationCodeResponse on a new Response, throwing its ResponseBodyError.",
    authflow: {
      answer: { status: 400, body: ERROR_BODY },
      fn: () => ours.refresh(tokens).then(
        () => { throw new Error("authflow accepted an error response"); },
        (error) => error),
      check: (r) => r instanceof lib.AuthflowError && r.kind === "invalid_grant",
    },
    peer: {
      fn: () => oauth.processAuthorizationCodeResponse(as, client,
        new Response(ERROR_BODY, { status: 400, headers: JSON_HEADERS })).then(
        () => { throw new Error("oauth4webapi accepted an error response"); },
        (error) => error),
      check: (r) => r instanceof oauth.ResponseBodyError && r.error === "invalid_grant",
    },
  },
  {
    operation: "callback + code exchange through a stubbed fetch (request + response)",
    note: "Like for like: both sides validate the redirect, build the public-client code exchange (client_id, code, redirect_uri, PKCE verifier), send it through the same fetch stub and read the 200 answer (a validated callback is exchanged once, so each call validates its own). authflow: client.handleRedirect + client.exchangeCode. oauth4webapi: validateAuthResponse + authorizationCodeGrantRequest (None() client auth, customFetch) + processAuthorizationCodeResponse.",
    authflow: {
      answer: { status: 200, body: TOKEN_BODY },
      fn: () => ours.exchangeCode(ours.handleRedirect(redirect, { pending: start.pending })),
      check: (r) => r.accessToken === "2YotnFZFEjr1zCsicMWpAA",
    },
    peer: {
      answer: { status: 200, body: TOKEN_BODY },
      fn: async () => oauth.processAuthorizationCodeResponse(as, client,
        await oauth.authorizationCodeGrantRequest(as, client, oauth.None(),
          oauth.validateAuthResponse(as, client, new URL(redirect), state), REDIRECT,
          peerVerifier, viaStub)),
      check: (r) => r.access_token === "2YotnFZFEjr1zCsicMWpAA",
    },
  },
  {
    operation: "refresh through a stubbed fetch (request + response)",
    note: "authflow: client.refresh(tokenSet) (reads the plain TokenSet back member by member, no JSON, builds the request, fetch stub, parse, new TokenSet). oauth4webapi: refreshTokenGrantRequest (None(), customFetch) + processRefreshTokenResponse.",
    authflow: {
      answer: { status: 200, body: TOKEN_BODY },
      fn: () => ours.refresh(tokens),
      check: (r) => r.accessToken === "2YotnFZFEjr1zCsicMWpAA",
    },
    peer: {
      answer: { status: 200, body: TOKEN_BODY },
      fn: async () => oauth.processRefreshTokenResponse(as, client,
        await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refreshToken, viaStub)),
      check: (r) => r.access_token === "2YotnFZFEjr1zCsicMWpAA",
    },
  },
  {
    operation: "session hot path: valid token to bearer header",
    note: "authflow: await session.accessToken() on a Session holding a valid token (the core's session decides; no request), into an Authorization value. oauth4webapi has no session object: no peer side, no ratio.",
    authflow: {
      fn: async () => `Bearer ${await session.accessToken()}`,
      check: (r) => r === "Bearer 2YotnFZFEjr1zCsicMWpAA",
    },
    peer: null,
  },
];
const rows = rowsFor(nodeFixture);
// The browser entry's side of each row: its own rows' authflow side.
rowsFor(await fixture(browserEntry)).forEach((row, i) => { rows[i].browser = row.authflow; });

// Sets the stub's answer for a side, runs it once and checks the result.
async function prepared(row, side) {
  const task = row[side];
  if (!task) return null;
  const reply = task.answer ?? { status: 200, body: TOKEN_BODY };
  const fn = task.fn;
  answer = reply;
  const result = await fn();
  if (!task.check(result)) {
    throw new Error(`${row.operation}, ${side}: unexpected result ${String(result)}`);
  }
  return { reply, fn };
}

/** `runs` first-visit imports of each side in Chromium (browser-import.mjs,
 * loaded only here: playwright-core is not for the timed or footprint runs). */
async function browserImport(runs) {
  const { browserImportMs } = await import("./browser-import.mjs");
  return browserImportMs(pkgDir, peerDir, runs);
}

// ---- check mode: every task once --------------------------------------------
if (checkOnly) {
  let checked = 0;
  for (const row of rows) {
    for (const side of ["authflow", "browser", "peer"]) {
      if (await prepared(row, side)) checked += 1;
    }
  }
  for (const side of ["authflow", "peer"]) {
    const bytes = footprintRun(side, 50);
    if (!Number.isFinite(bytes) || bytes < 0) throw new Error(`--footprint ${side}: ${bytes}`);
  }
  const browser = await browserImport(1);
  if (![browser.authflow, browser.peer, browser.instantiate].every((t) => t.length === 1 && t[0] >= 0)) {
    throw new Error(`the import in Chromium: ${JSON.stringify(browser)}`);
  }
  console.log(`bench.mjs --check: ${checked} tasks of ${rows.length} rows gave the expected result; the footprint and the import in Chromium run too`);
  process.exit(0);
}

// ---- footprint mode: memory per signed-in user --------------------------------
/** Bytes per signed-in user on `side`, from a fresh process of this file. */
function footprintRun(side, sessions) {
  const script = fileURLToPath(import.meta.url);
  const args = ["--expose-gc", script, "--footprint", side, "--sessions", String(sessions), "--pkg", pkgDir];
  return Number(execFileSync(process.execPath, args, { cwd: here }));
}

// What a server keeps per signed-in user: authflow, a Session holding a
// valid token (its token set in WebAssembly memory, the JS object around
// it); oauth4webapi has no session, so its side is what an app of it keeps,
// the token endpoint response. The resident set's growth over N of them,
// after a garbage collection each side of it, per user (the Python rows'
// method, bindings-uniffi/python/bench/footprint.py).
if (footprintSide !== null) {
  if (typeof globalThis.gc !== "function") throw new Error("--footprint needs node --expose-gc");
  answer = { status: 200, body: TOKEN_BODY };
  const make = footprintSide === "authflow"
    ? async () => {
      const held = new authflow.Session(ours, { tokens });
      await held.accessToken();
      return held;
    }
    : async () => oauth.processRefreshTokenResponse(as, client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refreshToken, viaStub));
  // Warm: the first calls grow the heap and the module's memory for good.
  const warm = [];
  for (let i = 0; i < 200; i++) warm.push(await make());
  globalThis.gc();
  const before = process.memoryUsage().rss;
  const kept = [];
  for (let i = 0; i < footprintSessions; i++) kept.push(await make());
  globalThis.gc();
  const after = process.memoryUsage().rss;
  process.stdout.write(String(Math.max(0, after - before) / kept.length));
  process.exit(0);
}

// ---- profile mode: one row in a plain loop -----------------------------------
if (profileRow !== null) {
  const row = rows.find((r) => r.operation === profileRow);
  if (!row) throw new Error(`no row "${profileRow}"; rows: ${rows.map((r) => r.operation).join("; ")}`);
  for (const side of profileSides) {
    const task = await prepared(row, side);
    if (!task) continue;
    answer = task.reply;
    const until = performance.now() + profileSeconds * 1000;
    let n = 0;
    while (performance.now() < until) {
      for (let i = 0; i < 256; i++) await task.fn();
      n += 256;
    }
    console.error(`${side}: ${n} calls in ${profileSeconds} s (${(profileSeconds * 1e9 / n).toFixed(0)} ns each, including the profiler)`);
  }
  process.exit(0);
}

// ---- sizes ------------------------------------------------------------------
// gzip -9 of each file, summed, the way scripts/wasm-size.sh measures the
// package (gzip's own header, with the file name, included).
function gzipSize(file) {
  return execFileSync("gzip", ["-9c", file], { maxBuffer: 64 << 20 }).length;
}
function filesUnder(dir, test) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path, test));
    else if (test(entry.name)) found.push(path);
  }
  return found.sort();
}
const sizeDir = join(process.env.AUTHFLOW_TARGET_DIR ?? join(root, "target"), "bench", "node");
mkdirSync(sizeDir, { recursive: true });

// A minified ES module bundle (esbuild, browser platform) of `source`.
async function bundle(name, source, external = []) {
  const outfile = join(sizeDir, `${name}.min.js`);
  await esbuild.build({
    stdin: { contents: source, resolveDir: here, sourcefile: `${name}.mjs`, loader: "js" },
    bundle: true, minify: true, format: "esm", platform: "browser", target: "es2022",
    external, outfile, logLevel: "error",
  });
  return outfile;
}
const OAUTH4_AUTHORIZE_CALLBACK = ["generateRandomCodeVerifier", "calculatePKCECodeChallenge",
  "generateRandomState", "validateAuthResponse"];
const OAUTH4_PUBLIC_CLIENT = [...OAUTH4_AUTHORIZE_CALLBACK, "None", "authorizationCodeGrantRequest",
  "processAuthorizationCodeResponse", "refreshTokenGrantRequest", "processRefreshTokenResponse"];

// The browser entry's files: a page never loads the other entries'
// (node/, the Node.js entry; browser-openid/ and browser-dpop/, the opt-in ones), each its own
// module (scripts/wasm-size.sh counts the same files).
const shippedFiles = filesUnder(pkgDir, (n) => n.endsWith(".wasm") || n.endsWith(".js"))
  .filter((f) => !/^(node|browser-openid|browser-dpop|browser-authorize)\//.test(relative(pkgDir, f)));
const wasmFiles = shippedFiles.filter((f) => f.endsWith(".wasm"));
const shipped = shippedFiles.reduce((sum, f) => sum + gzipSize(f), 0);
const wasmOnly = wasmFiles.reduce((sum, f) => sum + gzipSize(f), 0);
const ourBundle = gzipSize(await bundle("authflow",
  `export * from ${JSON.stringify(join(pkgDir, "index.js"))};`, ["node:*"])) + wasmOnly;
// The authorize-only entry (authflowkit/browser-authorize): its module has
// no token endpoint code; bundled the same way, its .wasm added.
const authorizeDir = join(pkgDir, "browser-authorize");
const ourAuthorize = gzipSize(await bundle("authflow-authorize",
  `export * from ${JSON.stringify(join(authorizeDir, "index.js"))};`, ["node:*"]))
  + gzipSize(join(authorizeDir, "authflow_authorize_bg.wasm"));
const peerPublished = gzipSize(join(here, "node_modules/oauth4webapi/build/index.js"));
const peerBundle = gzipSize(await bundle("oauth4webapi", 'export * from "oauth4webapi";'));
const peerAuthorize = gzipSize(await bundle("oauth4webapi-authorize-callback",
  `export { ${OAUTH4_AUTHORIZE_CALLBACK.join(", ")} } from "oauth4webapi";`));
const peerPublic = gzipSize(await bundle("oauth4webapi-public-client",
  `export { ${OAUTH4_PUBLIC_CLIENT.join(", ")} } from "oauth4webapi";`));
await esbuild.stop();

const rel = (p) => relative(root, p);
const sizes = [
  {
    what: "the browser entry as published (gzip -9 of each .wasm and .js file, summed)",
    authflow_bytes: shipped,
    peer: OAUTH4,
    peer_bytes: peerPublished,
    note: `authflow: ${shippedFiles.map(rel).join(", ")} (what scripts/wasm-size.sh totals). oauth4webapi: build/index.js as installed (not minified).`,
  },
  {
    what: "the whole library in an app bundle (esbuild --bundle --minify, ESM, browser; gzip -9)",
    authflow_bytes: ourBundle,
    peer: OAUTH4,
    peer_bytes: peerBundle,
    note: `esbuild ${packageVersion(join(here, "node_modules/esbuild/package.json"))} (bundle, minify, format esm, platform browser, target es2022) from an entry file re-exporting the library, then gzip -9c of the output file (gzip's header holds the file name). authflow: index.js and its glue, plus the .wasm (an asset the bundler copies). oauth4webapi: every export (\`export * from "oauth4webapi"\`); bindings-wasm/SIZE.md quotes 14,378 B for it.`,
  },
  {
    what: "authorize + callback only, tree-shaken (same bundling)",
    authflow_bytes: ourAuthorize,
    peer: OAUTH4,
    peer_bytes: peerAuthorize,
    note: `authflow: the entry authflowkit/browser-authorize (its module built without the token endpoint; a bundler cannot tree-shake inside one .wasm), its index.js and glue plus the .wasm. oauth4webapi: ${OAUTH4_AUTHORIZE_CALLBACK.join(", ")}.`,
  },
  {
    what: "authflow's JS API, tree-shaken (authorize, callback, code exchange, refresh)",
    authflow_bytes: ourBundle,
    peer: OAUTH4,
    peer_bytes: peerPublic,
    note: `oauth4webapi: ${OAUTH4_PUBLIC_CLIENT.join(", ")}.`,
  },
];

// ---- timing -----------------------------------------------------------------
const tasks = [];
for (const row of rows) {
  for (const side of ["authflow", "browser", "peer"]) {
    const task = await prepared(row, side);
    if (task) tasks.push({ row, side, ...task, means: [] });
  }
}
for (let round = 0; round < rounds; round++) {
  const bench = new Bench({ name: `round ${round + 1}`, time: timeMs, warmupTime: 100, throws: true });
  // Swap which side goes first every round.
  const order = round % 2 === 0 ? tasks : rows.flatMap((row) =>
    tasks.filter((t) => t.row === row).reverse());
  for (const task of order) {
    const reply = task.reply;
    bench.add(`${task.row.operation} / ${task.side}`, task.fn, {
      beforeAll() { answer = reply; },
    });
  }
  await bench.run();
  for (const task of order) {
    const result = bench.getTask(`${task.row.operation} / ${task.side}`).result;
    if (result.state !== "completed") {
      throw new Error(`${task.row.operation} / ${task.side}: ${result.state} ${result.error ?? ""}`);
    }
    task.means.push(result.latency.mean * 1e6); // ms to ns
  }
  process.stderr.write(`node bench: round ${round + 1}/${rounds} done\n`);
}
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// What a page or a server pays once: importing the package (for authflow,
// compiling and instantiating its WebAssembly) in a fresh Node process,
// the two sides alternating; the median of 11 each, in ns.
function importNs(specifier) {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
  return Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: here })) * 1e6;
}
const startup = { authflow: [], browser: [], peer: [] };
for (let i = 0; i < 11; i++) {
  startup.authflow.push(importNs(pathToFileURL(join(nodePkgDir, "index.js")).href));
  startup.browser.push(importNs(pathToFileURL(join(pkgDir, "index.js")).href));
  startup.peer.push(importNs("oauth4webapi"));
}
// The same in a browser: a first visit's import in headless Chromium.
const browserImports = await browserImport(11);

// Memory per signed-in user: the median of 3 fresh processes per side.
function footprintBytes(side) {
  return Math.round(median([0, 1, 2].map(() => footprintRun(side, footprintSessions))));
}
const footprint = [
  {
    library: "authflow (npm package, Node.js entry)",
    version: packageVersion(join(root, "bindings-wasm/npm/package.json")),
    import: "import(\"authflowkit/node\")",
    import_ms: median(startup.authflow) / 1e6,
    installed_bytes: treeBytes(pkgDir),
    session_bytes: footprintBytes("authflow"),
  },
  {
    library: "oauth4webapi",
    version: oauth4Version(),
    import: "import(\"oauth4webapi\")",
    import_ms: median(startup.peer) / 1e6,
    installed_bytes: treeBytes(peerDir),
    session_bytes: footprintBytes("peer"),
  },
];
function treeBytes(dir) {
  return filesUnder(dir, () => true).reduce((sum, file) => sum + statSync(file).size, 0);
}

const meanOf = (row, side) => {
  const task = tasks.find((t) => t.row === row && t.side === side);
  return task ? median(task.means) : null;
};

const report = {
  title: `Node ${process.versions.node}: the authflow npm package's Node.js entry (WebAssembly) vs ${OAUTH4}`,
  // Issue 14: at least as fast as oauth4webapi on every row.
  goal: 1.0,
  versions: {
    node: process.versions.node,
    v8: process.versions.v8,
    "authflow (bindings-wasm/pkg, its entries authflowkit/node and authflowkit)": packageVersion(join(root, "bindings-wasm/npm/package.json")),
    oauth4webapi: oauth4Version(),
    tinybench: packageVersion(join(here, "node_modules/tinybench/package.json")),
    esbuild: packageVersion(join(here, "node_modules/esbuild/package.json")),
  },
  method: `tinybench, ${rounds} rounds of ${timeMs} ms per task after 100 ms of warm-up, the sides' order swapped every round; each figure is the median over the rounds of the task's mean; one Node process. authflow: \`authflowkit/node\`, the entry a Node.js server imports (its module built for speed, profile wasm-node); ${BROWSER_ENTRY}: the browser entry, \`authflowkit\` (its module built for size, the one the size rows measure), timed in the same rounds, for reference (no ratio). Both sides with their defaults: every request authflow sends has a deadline (the client's timeout, 30 s: an AbortController and a timer per request, the controller's signal about 3.2 µs in Node 20), oauth4webapi's none unless given a signal.`,
  rows: [...rows.map((row) => ({
    operation: row.operation,
    authflow_ns: meanOf(row, "authflow"),
    also: { [BROWSER_ENTRY]: meanOf(row, "browser") },
    peers: { [OAUTH4]: meanOf(row, "peer") },
    note: row.note,
  })), {
    operation: "import the package (fresh process; authflow compiles and instantiates its WebAssembly)",
    authflow_ns: median(startup.authflow),
    also: { [BROWSER_ENTRY]: median(startup.browser) },
    peers: { [OAUTH4]: median(startup.peer) },
    profile: false,
    note: "Once per page or process: `await import()` of the package in a new Node process, the time inside it (not the process start); median of 11 runs each, the sides alternating. authflow: node/index.js (the browser entry: index.js), which compiles the .wasm read from disk and instantiates it with wasm-bindgen's initSync (its async init() reads the global Response, and in Node.js that loads the whole fetch implementation on import: 45 ms before December 6, two thirds of it for that). oauth4webapi: its ES module.",
  }, {
    operation: "import the package in Chromium (a first visit: fetched from 127.0.0.1, compiled and instantiated)",
    authflow_ns: median(browserImports.authflow) * 1e6,
    peers: { [OAUTH4]: median(browserImports.peer) * 1e6 },
    profile: false,
    note: `Once per page: \`await import()\` of the browser entry, without a bundler, in a fresh context of headless Chromium (an empty cache: no compiled code reused), both served by one server on 127.0.0.1 (benches/node/browser-import.mjs); the time inside the page; median of 11 runs each, the sides alternating. authflow: index.js (the glue bundled in), then the .wasm, compiled as it streams in (\`application/wasm\`) and instantiated; of that, after the .wasm's last byte arrived, the median is ${median(browserImports.instantiate).toFixed(1)} ms (the rest of its compilation and the instantiation). oauth4webapi: its ES module, one file. On a real network each request in the chain costs a round trip: authflow makes two, one after the other; oauth4webapi one.`,
  }],
  sizes,
  footprint,
  footprint_users: "Node.js and browser",
  footprint_method: "Import time: the median of 11 fresh processes (as the import row); installed: the bytes of every file the package unpacks (authflow: all five entries in bindings-wasm/pkg; oauth4webapi: its node_modules folder); memory per session: the resident set's growth over 2,000 signed-in users after a garbage collection, per user, the median of 3 fresh processes (authflow: a Session of the Node.js entry holding a valid token; oauth4webapi has no session: the token endpoint response an app of it keeps). A browser's session is the same Rust state in its entry's module, built for size, and the same JS object; the browser entry's import in Node.js is the import row's second column.",
};
const text = JSON.stringify(report, null, 2);
if (out) {
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, text + "\n");
}
console.log(text);

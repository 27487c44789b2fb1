// examples/browser/everyday.js (the package's browser entry: a public
// client, no secret) against the local Makini Link provider and the
// Authlib peer server (tests/peers/authlib, its public client spa-client);
// the same program with oauth4webapi against the same server; and both
// measured (examples/node/peers/measure.mjs): authflow's is shorter and
// touches fewer concepts. In Node: the programs use only what a page has
// (fetch, the package's browser entry), and the Authlib peer sends no CORS
// headers a page would need; the page itself runs in Chromium in
// e2e.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthlib, startProviders } from "./server.mjs";
import { PROGRAMS, measure } from "../node/peers/measure.mjs";
import { followRedirect } from "../node/everyday.mjs";

const REDIRECT = "http://127.0.0.1:8400/callback";
let providers, authlib;

before(async () => {
  providers = await startProviders();
  authlib = await startAuthlib();
});
after(async () => {
  await providers?.stop();
  await authlib?.stop();
});

/** Runs a program's `everyday` and returns what it printed, line by line. */
async function run(program, settings) {
  const { everyday } = await import(program.href);
  const printed = [];
  const log = console.log;
  console.log = (...parts) => printed.push(parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" "));
  try {
    await everyday(settings, followRedirect);
  } finally {
    console.log = log;
  }
  return printed;
}
const starting = (lines, prefix) => lines.filter((l) => l.startsWith(prefix));

const authlibSettings = () => ({
  client_id: "spa-client", redirect_uri: REDIRECT, authorization_url: `${authlib.base}/oauth/authorize`,
  token_url: `${authlib.base}/oauth/token`, api_base: `${authlib.base}/api/`, path: "me",
});

test("everyday.js against the Authlib peer (public client)", async () => {
  const out = await run(PROGRAMS["authflow (browser)"].file, authlibSettings());
  assert.deepEqual(starting(out, "user:"), ['user: {"client_id":"spa-client","username":"alice"}']);
  const [error] = starting(out, "error:");
  assert.match(error, /^error: invalid_grant: .* -> authorize_again$/);
  assert.doesNotMatch(out.join("\n"), /no-longer-valid/, "the refused token is not repeated");
});

test("everyday.js against the local Makini Link provider (public client)", async () => {
  const link = providers.urls.makini_link;
  const out = await run(PROGRAMS["authflow (browser)"].file, {
    profile: "makini_link", client_id: "link-public", redirect_uri: REDIRECT,
    authorization_url: link.authorization_endpoint, token_url: link.token_endpoint, api_base: link.api_v4, path: "sites",
  });
  assert.match(starting(out, "user:")[0], /Plant 1/);
  assert.match(starting(out, "error:")[0], /^error: invalid_grant: .* -> authorize_again$/);
});

test("the same program with oauth4webapi against the Authlib peer", async () => {
  const out = await run(PROGRAMS["oauth4webapi (browser)"].file, authlibSettings());
  assert.deepEqual(starting(out, "user:"), ['user: {"client_id":"spa-client","username":"alice"}']);
  assert.deepEqual(starting(out, "error:"), ["error: invalid_grant -> authorize_again"]);
});

test("authflow's browser program is shorter and touches fewer concepts", () => {
  const ours = measure(PROGRAMS["authflow (browser)"].file, PROGRAMS["authflow (browser)"].library);
  const theirs = measure(PROGRAMS["oauth4webapi (browser)"].file, PROGRAMS["oauth4webapi (browser)"].library);
  console.log(`lines ${ours.lines} vs ${theirs.lines}; concepts ${ours.concepts.length} vs ${theirs.concepts.length}`);
  assert.ok(ours.lines < theirs.lines, `${ours.lines} vs ${theirs.lines}`);
  assert.ok(ours.concepts.length < theirs.concepts.length, `${ours.concepts} vs ${theirs.concepts}`);
});

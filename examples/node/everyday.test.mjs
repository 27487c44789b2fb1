// examples/node/everyday.mjs run as a user runs it, against the local
// providers and the Authlib peer server (tests/peers/authlib); the same
// program with oauth4webapi against the same server; and both measured
// (peers/measure.mjs): authflow's is shorter and touches fewer concepts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startAuthlib, startProviders } from "../browser/server.mjs";
import { PROGRAMS, measure } from "./peers/measure.mjs";

const REDIRECT = "http://127.0.0.1:8400/callback";
let providers, authlib, dir;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "authflow-everyday-"));
  providers = await startProviders();
  authlib = await startAuthlib();
});
after(async () => {
  await providers?.stop();
  await authlib?.stop();
  await rm(dir, { recursive: true, force: true });
});

const authlibSettings = (base) => ({
  service: { token_url: `${base}/oauth/token`, api_base: `${base}/api/`, path: "me",
    client_id: "service-client", client_secret: "s3rvice-s3cret" },
  app: { token_url: `${base}/oauth/token`, authorization_url: `${base}/oauth/authorize`, api_base: `${base}/api/`,
    path: "me", client_id: "app-client", client_secret: "app-s3cret", redirect_uri: REDIRECT },
});

async function run(program, settings) {
  const file = join(dir, "settings.json");
  await writeFile(file, JSON.stringify(settings));
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [fileURLToPath(program), file], { timeout: 120_000 });
  for (const secret of ["s3rvice-s3cret", "app-s3cret", "link-secret", "admin-secret"]) {
    assert.doesNotMatch(stdout + stderr, new RegExp(secret));
  }
  return stdout.split("\n");
}
const starting = (lines, prefix) => lines.filter((l) => l.startsWith(prefix));

test("everyday.mjs against the Authlib peer", async () => {
  const out = await run(PROGRAMS.authflow.file, authlibSettings(authlib.base));
  assert.deepEqual(starting(out, "service:"), ["service: { client_id: 'service-client', username: null }"]);
  assert.equal(starting(out, "service, later:").length, 1);
  assert.deepEqual(starting(out, "user:"), ["user: { client_id: 'app-client', username: 'alice' }"]);
  const [error] = starting(out, "error:");
  assert.match(error, /^error: invalid_client: .* -> fix_configuration$/);
});

test("everyday.mjs against the local providers", async () => {
  const admin = providers.urls.makini_admin;
  const link = providers.urls.makini_link;
  const out = await run(PROGRAMS.authflow.file, {
    service: { profile: "makini_admin", token_url: admin.token_endpoint, api_base: admin.api, path: "connections",
      client_id: "admin-client", client_secret: "admin-secret" },
    app: { profile: "makini_link", token_url: link.token_endpoint, authorization_url: link.authorization_endpoint,
      api_base: link.api_v4, path: "sites", client_id: "link-client", client_secret: "link-secret", redirect_uri: REDIRECT },
  });
  assert.match(starting(out, "service:")[0], /status: 'active'/);
  assert.match(starting(out, "user:")[0], /Plant 1/);
  assert.match(starting(out, "error:")[0], /^error: invalid_client: .* -> fix_configuration$/);
});

test("the same program with oauth4webapi against the Authlib peer", async () => {
  const out = await run(PROGRAMS.oauth4webapi.file, authlibSettings(authlib.base));
  assert.deepEqual(starting(out, "user:"), ["user: { client_id: 'app-client', username: 'alice' }"]);
  assert.deepEqual(starting(out, "error:"), ["error: invalid_client -> fix_configuration"]);
});

test("authflow's program is shorter and touches fewer concepts", () => {
  const ours = measure(PROGRAMS.authflow.file, PROGRAMS.authflow.library);
  const theirs = measure(PROGRAMS.oauth4webapi.file, PROGRAMS.oauth4webapi.library);
  console.log(`lines ${ours.lines} vs ${theirs.lines}; concepts ${ours.concepts.length} vs ${theirs.concepts.length}`);
  assert.ok(ours.lines < theirs.lines, `${ours.lines} vs ${theirs.lines}`);
  assert.ok(ours.concepts.length < theirs.concepts.length, `${ours.concepts} vs ${theirs.concepts}`);
});

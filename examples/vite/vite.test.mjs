// The npm package as a user gets it: `npm pack` of bindings-wasm/pkg (built
// by scripts/wasm-build.sh), installed from the tarball
//   - into this Vite app (src/main.ts), which Vite bundles (the .wasm as an
//     asset); the bundle, served on 127.0.0.1, signs in at the local Makini
//     Link provider in Chromium (playwright-core, the system Chromium);
//     `tsc --strict --noEmit` compiles src/ (every export of every entry,
//     src/every-export.ts) against the installed package's types, resolved
//     through its `exports` map as a user's are;
//   - into an empty Node.js project, whose program imports the four entries
//     by name and gets tokens with client credentials from the local
//     providers through `authflowkit/node`.
// scripts/test-wasm.sh runs this file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve, startProviders } from "../browser/server.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = join(here, "../..");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
let work, tarball, packed, providers;

const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

before(async () => {
  work = await mkdtemp(join(tmpdir(), "authflow-npm-"));
  // --ignore-scripts: the package has none, and a user's install runs none.
  [packed] = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work],
    join(repo, "bindings-wasm/pkg")));
  tarball = join(work, packed.filename);
  providers = await startProviders();
});

after(async () => {
  await providers?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test("the tarball holds the package's files: every entry, its types, README and both licences, nothing else", () => {
  const files = packed.files.map((f) => f.path).sort();
  for (const required of ["package.json", "README.md", "LICENSE-MIT", "LICENSE-APACHE", "index.js", "index.d.ts",
    "authflow_wasm_bg.wasm", "browser-openid/index.js", "browser-openid/index.d.ts", "browser-dpop/index.js",
    "browser-dpop/index.d.ts", "browser-authorize/index.js", "browser-authorize/index.d.ts",
    "browser-authorize/authflow_authorize_bg.wasm", "node/index.js", "node/index.d.ts", "node/authflow_node_bg.wasm"]) {
    assert.ok(files.includes(required), `${required} is in the tarball`);
  }
  for (const file of files) {
    assert.match(file, /^(package\.json|README\.md|LICENSE-(MIT|APACHE)|([a-z-]+\/)?(index|authflow_[a-z]+)(\.d\.ts|\.js|_bg\.wasm|_bg\.wasm\.d\.ts)|([a-z-]+\/)?snippets\/authflow-wasm-[0-9a-f]+\/js\/[a-z]+\.js)$/, file);
  }
  assert.equal(packed.name, "authflowkit");
});

test("a Vite app installs the tarball, bundles it, type-checks against it, and signs in with it in Chromium", async () => {
  // The tarball into this app's node_modules (vite is there: npm ci by
  // scripts/wasm-tools.sh), without touching package.json or the lockfile.
  run("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts", tarball], here);
  run(join(repo, "bindings-wasm/node_modules/.bin/tsc"), ["-p", join(here, "tsconfig.json")], here);
  const dist = join(work, "dist");
  run(join(here, "node_modules/.bin/vite"), ["build", "--outDir", dist, "--emptyOutDir", "--logLevel", "warn"], here);
  const assets = await readdir(join(dist, "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `the module is a bundled asset: ${assets}`);

  const site = await serve({ providers: providers.urls, roots: [["/", dist]] });
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    const wasm = [];
    const provider = [];
    page.on("response", (response) => {
      const url = response.url();
      if (url.endsWith(".wasm")) wasm.push(url);
      if (url.startsWith(providers.urls.makini_link.authorization_endpoint) || url === providers.urls.makini_link.token_endpoint) {
        provider.push([response.request().method(), url.split("?")[0], response.status()]);
      }
    });
    await page.goto(site.url);
    await page.waitForSelector('#status[data-state="signed-out"]');
    // The test user approves at once (no prompt=consent): the provider
    // redirects back with a code, which the page exchanges.
    await page.click("#sign-in");
    await page.waitForSelector('#status[data-state="signed-in"], #error:not([hidden])');
    assert.equal(await page.isHidden("#error"), true, await page.textContent("#error"));
    assert.match(await page.textContent("#status"), /^Signed in until \d{4}-/);
    assert.equal(page.url(), site.url, "the code and state are gone from the address bar");
    assert.deepEqual(provider, [
      ["GET", providers.urls.makini_link.authorization_endpoint, 302],
      ["POST", providers.urls.makini_link.token_endpoint, 200],
    ]);
    // Loaded on each page load (before the sign-in and after the redirect),
    // from the bundle's assets.
    assert.equal(wasm.length, 2);
    assert.ok(wasm.every((url) => url.startsWith(`${site.url}assets/`)), wasm.join(" "));
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await site.close();
  }
});

test("a Node.js project installs the tarball and imports every entry by name", async () => {
  const project = join(work, "node-project");
  run("mkdir", ["-p", project], work);
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "uses-authflow", private: true, type: "module" }));
  run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", tarball], project);
  await writeFile(join(project, "main.mjs"), `
    import * as browser from "authflowkit";
    import * as openid from "authflowkit/browser-openid";
    import * as dpop from "authflowkit/browser-dpop";
    import * as authorize from "authflowkit/browser-authorize";
    import { OAuthClient, Session } from "authflowkit/node";
    const admin = JSON.parse(process.argv[2]);
    const session = new Session(new OAuthClient({
      profile: "makini_admin", clientId: "admin-client", clientSecret: "admin-secret", grant: "client_credentials",
      endpoints: { token: admin.token_endpoint, apiBase: admin.api },
    }));
    const answer = await session.fetch("connections");
    console.log(JSON.stringify({
      entries: [browser, openid, dpop, authorize].map((e) => Object.keys(e).sort().join(",")),
      token: (await session.accessToken()).length > 8, status: answer.status,
    }));
  `);
  const out = JSON.parse(run(process.execPath, ["main.mjs", JSON.stringify(providers.urls.makini_admin)], project));
  assert.deepEqual(out, {
    entries: [
      "AuthflowError,OAuthClient,Session,ValidatedCallback",
      "AuthflowError,OAuthClient,Session,ValidatedCallback",
      "AuthflowError,OAuthClient,Session,ValidatedCallback,createDpopKey,dpopKey",
      "AuthflowError,OAuthClient,ValidatedCallback",
    ],
    token: true, status: 200,
  });
});

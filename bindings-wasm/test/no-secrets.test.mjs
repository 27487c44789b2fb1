// No client secret exists in the browser package: neither the shipped
// .wasm and JS glue of both browser entries (`authflowkit` and
// `authflowkit/browser-openid`; as bytes: the `client_secret` parameter name,
// the `Basic ` scheme) nor the browser entry's module code (by function
// name, in the names-kept build of the same module that
// scripts/wasm-build.sh --names writes) contains anything of the core that
// reads, encodes or sends a client secret or a password. authflowkit-core
// keeps all of that behind its `confidential` feature, which the browser
// builds leave off.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";

const root = new URL("../../", import.meta.url);
const pkg = new URL("bindings-wasm/pkg/", root);
const targetDir = process.env.AUTHFLOW_TARGET_DIR
  ? new URL(`file://${process.env.AUTHFLOW_TARGET_DIR.replace(/\/?$/, "/")}`)
  : new URL("target/", root);
const named = new URL("wasm-bindgen/named/authflow_wasm_bg.wasm", targetDir);

/** Text that only code handling a secret carries. */
const SECRET_TEXT = [/client_secret/i, /clientSecret/i, /\bBasic /];
/** The core's secret-handling items (confidential feature), by symbol. */
const SECRET_SYMBOLS = [
  /ClientSecret/, /client_secret/, /\bPassword\b/, /password_request/,
  /client_credentials_request/, /with_client_secret/,
];

/** The browser entries' files: everything but node/, the Node.js entry's own module. */
async function shippedFiles(dir = pkg) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const url = new URL(entry.name + (entry.isDirectory() ? "/" : ""), dir);
    if (entry.isDirectory() && url.href === new URL("node/", pkg).href) continue;
    if (entry.isDirectory()) out.push(...await shippedFiles(url));
    else if (/\.(wasm|js)$/.test(entry.name)) out.push(url);
  }
  return out;
}

/** The function names in a module's `name` custom section. */
function functionNames(bytes) {
  let i = 8;
  const leb = () => {
    let result = 0, shift = 0, byte;
    do { byte = bytes[i++]; result += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return result;
  };
  const text = (length) => new TextDecoder().decode(bytes.subarray(i, (i += length)));
  while (i < bytes.length) {
    const id = bytes[i++];
    const size = leb();
    const end = i + size;
    if (id === 0 && text(leb()) === "name") {
      while (i < end) {
        const sub = bytes[i++];
        const subEnd = leb() + i;
        if (sub === 1) {
          const names = [];
          for (let n = leb(); n > 0; n--) { leb(); names.push(text(leb())); }
          return names;
        }
        i = subEnd;
      }
    }
    i = end;
  }
  return [];
}

test("the shipped .wasm and JS glue hold no secret-handling text", async () => {
  const files = await shippedFiles();
  assert.ok(files.some((f) => f.pathname.endsWith("authflow_wasm_bg.wasm")), "the .wasm is shipped");
  assert.ok(files.some((f) => f.pathname.endsWith("browser-openid/authflow_openid_bg.wasm")), "the OpenID entry's too");
  assert.ok(files.some((f) => f.pathname.endsWith("browser-dpop/authflow_dpop_bg.wasm")), "the DPoP entry's too");
  assert.ok(files.some((f) => f.pathname.endsWith("browser-authorize/authflow_authorize_bg.wasm")), "the authorize-only entry's too");
  // Each browser entry's JS is one file: index.js with wasm-bindgen's glue
  // and the browser snippet bundled in (scripts/wasm-build.sh).
  for (const entry of ["", "browser-openid/", "browser-dpop/", "browser-authorize/"]) {
    const index = files.find((f) => f.href === new URL(`${entry}index.js`, pkg).href);
    assert.ok(index, `${entry}index.js is shipped`);
    assert.match(await readFile(index, "utf8"), /AuthflowError/, `${entry}index.js holds the glue`);
  }
  for (const file of files) {
    const text = new TextDecoder("latin1").decode(await readFile(file));
    for (const pattern of SECRET_TEXT) {
      assert.doesNotMatch(text, pattern, `${file.pathname} contains ${pattern}`);
    }
  }
});

test("the browser entries never load the Node.js entry's module", async () => {
  for (const file of await shippedFiles()) {
    if (!file.pathname.endsWith(".js")) continue;
    const text = await readFile(file, "utf8");
    assert.doesNotMatch(text, /node\/|authflow_node/, `${file.pathname} refers to the Node.js entry`);
  }
  // ... which does hold the secret code: the scan above would see it.
  const node = await readFile(new URL("node/authflow_node.js", pkg), "utf8");
  assert.match(node, /clientCredentials/);
});

test("the module has none of the core's secret-handling functions", async () => {
  const names = functionNames(await readFile(named));
  // The scan sees the core's code: functions of it that survive inlining
  // are there by name.
  for (const expected of ["PendingAuthorization::from_storage_string", "error_response::error_from_response", "endpoint::Endpoint::parse", "clock::parse_http_date"]) {
    assert.ok(names.some((n) => n.includes(expected)), `${expected} not found among ${names.length} names`);
  }
  for (const pattern of SECRET_SYMBOLS) {
    const found = names.filter((n) => pattern.test(n));
    assert.deepEqual(found, [], `secret-handling code in the module: ${pattern}`);
  }
});

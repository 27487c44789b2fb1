// For every Node row short of its goal, a CPU profile of authflow's side
// and what dominates it, written into the row of the JSON bench.mjs wrote
// (as `profile`), which scripts/bench-report.py prints under the table.
//
//   node benches/node/profile-rows.mjs target/bench/node.json
//       [--node-pkg bindings-wasm/pkg/node] [--seconds 3] [--dir target/bench/node/profiles]
//
// Each row runs in its own `node --cpu-prof bench.mjs --profile ROW --side
// authflow` process (a plain loop, no timing), against the Node.js entry,
// whose module keeps its function names (no wasm-opt runs over it), so
// that WebAssembly frames have their Rust names. The .cpuprofile files stay
// in --dir for Chrome DevTools or speedscope.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { summarize } from "./profile-summary.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? fallback : args[at + 1];
};
const file = args[0];
if (!file || file.startsWith("--")) throw new Error("usage: profile-rows.mjs NODE_JSON [--node-pkg DIR] [--seconds S] [--dir DIR]");
const pkg = resolve(root, arg("node-pkg", "bindings-wasm/pkg/node"));
const seconds = arg("seconds", "3");
const dir = resolve(root, arg("dir", "target/bench/node/profiles"));

// Frames that only carry a call across (promise jobs, wasm-bindgen's
// trampolines and shims): true of every sample, they say nothing.
const PLUMBING = /^(runMicrotask|runInAsyncScope|processTicksAndRejections|real|handleError|fn|js-to-wasm|wasm-to-js:(?!.*JSON)|.*shim|.*closures.*invoke|js_sys::futures|wasm_bindgen_futures|exchangeCode|refresh|handleRedirect|createAuthorizationUrl|__wbg_\w+|__wbindgen\w*|getStringFromWasm0|passStringToWasm0|wasm_bindgen::|\(garbage collector\)|\(program\))/;

const report = JSON.parse(readFileSync(file, "utf8"));
const goal = report.goal ?? 2;
mkdirSync(dir, { recursive: true });
for (const row of report.rows) {
  const peer = Object.values(row.peers ?? {})[0];
  if (row.authflow_ns == null || peer == null || peer / row.authflow_ns >= goal) continue;
  // A row timed outside the loop (the package's import) has no task to profile.
  if (row.profile === false) continue;
  const slug = row.operation.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").toLowerCase();
  const profileDir = join(dir, slug);
  rmSync(profileDir, { recursive: true, force: true });
  execFileSync(process.execPath, [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`, join(here, "bench.mjs"),
    "--profile", row.operation, "--side", "authflow", "--seconds", seconds, "--node-pkg", pkg],
  { stdio: ["ignore", "ignore", "inherit"] });
  const [profileFile] = readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile"));
  const summary = summarize(JSON.parse(readFileSync(join(profileDir, profileFile), "utf8")), 200);
  // Below the entry point, without plumbing, and one line per function
  // name (Node's getRandomValues is three frames of three files).
  const names = new Set();
  const hot = summary.inclusive
    .filter((r) => r.share < 0.6 && !PLUMBING.test(r.name))
    .filter((r) => {
      const name = r.name.split("  [")[0];
      return !names.has(name) && names.add(name);
    })
    .slice(0, 8);
  const pct = (r) => ({ share: Math.round(1000 * r.share) / 10, name: r.name });
  row.profile = {
    side: "authflow",
    module: relative(root, pkg),
    file: relative(root, join(profileDir, profileFile)),
    by_kind: summary.kinds.filter((r) => r.share >= 0.005).map(pct),
    hottest_inclusive: hot.map(pct),
  };
  process.stderr.write(`profiled: ${row.operation}\n`);
}
writeFileSync(file, JSON.stringify(report, null, 2) + "\n");

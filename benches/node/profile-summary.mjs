// Summarises a V8 CPU profile (node --cpu-prof): self time by kind of code
// (WebAssembly, authflow's JS (glue and js/*.js), Node/V8 built-ins, oauth4webapi, GC),
// and the functions with the most self and inclusive time. WebAssembly
// frames carry their Rust names when the module was built with names kept
// (scripts/wasm-build.sh --names).
//
//   node benches/node/profile-summary.mjs PROFILE.cpuprofile [TOP]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The kind of code a frame belongs to. */
export function kind(url, functionName) {
  if (/\.wasm/.test(url) || /^(wasm-function|js-to-wasm|wasm-to-js)/.test(functionName)) {
    return "WebAssembly (authflowkit-core, the binding, wasm-bindgen shims)";
  }
  if (/authflow_(wasm|node)\.js|\/snippets\/.*\.js|\/pkg\/(node\/)?index\.js/.test(url)) {
    return "authflow's JS (wasm-bindgen's glue, js/*.js)";
  }
  if (/oauth4webapi/.test(url)) return "oauth4webapi";
  if (/tinybench|bench\.mjs/.test(url)) return "the benchmark loop";
  if (functionName === "(garbage collector)") return "garbage collector";
  if (functionName === "(program)" || functionName === "(idle)") return "V8/Node (program, idle)";
  return "Node and V8 built-ins (URL, Response, streams, TextDecoder, JSON, crypto, promises)";
}

/** A frame's name: the function, without a Rust hash, and its file. */
function label({ functionName, url }) {
  const name = (functionName || "(anonymous)").replace(/::h[0-9a-f]{16}$/, "").replace(/\[[0-9a-f]{16}\]/g, "");
  const where = url ? url.replace(/^.*\/(node_modules\/)?/, "").replace(/-[0-9a-f]{8}$/, "") : "";
  return where ? `${name}  [${where}]` : name;
}

function sorted(map, total, top) {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, time]) => ({ share: time / total, name }));
}

/** Shares of the profile's samples: { kinds, self, inclusive }. */
export function summarize(profile, top = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const kinds = new Map();
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(profile.samples[i]).callFrame;
    total += dt;
    const k = kind(frame.url, frame.functionName);
    kinds.set(k, (kinds.get(k) ?? 0) + dt);
    self.set(label(frame), (self.get(label(frame)) ?? 0) + dt);
    // Inclusive: once for every distinct function on the sample's stack.
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id).callFrame;
      if (f.functionName && f.functionName !== "(root)") seen.add(label(f));
    }
    for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
  }
  return {
    kinds: sorted(kinds, total, Infinity),
    self: sorted(self, total, top),
    inclusive: sorted(inclusive, total, top),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top = "25"] = process.argv.slice(2);
  const summary = summarize(JSON.parse(readFileSync(file, "utf8")), Number(top));
  const show = (rows) => rows.map((r) => `${(100 * r.share).toFixed(1).padStart(5)}%  ${r.name.slice(0, 150)}`).join("\n");
  console.log(`self time by kind of code:\n${show(summary.kinds)}`);
  console.log(`\nfunctions with the most self time:\n${show(summary.self)}`);
  console.log(`\nfunctions with the most inclusive time:\n${show(summary.inclusive)}`);
}

// Measures the `everyday` function of examples/node/everyday.mjs and of its
// oauth4webapi twin, and of examples/browser/everyday.js and its twin, as
// examples/python/peers/measure.py does for Python:
// lines of code (not blank, not comments) and concepts, the distinct names
// of the library a reader must know: what is imported from it (or read
// from its namespace), and every property read or method called on a value
// the library gave (a variable assigned from a library call, a name
// destructured from one, an error caught around one, a callback's
// parameter).
//
//   node examples/node/peers/measure.mjs
import { readFileSync } from "node:fs";

const here = new URL("./", import.meta.url);
export const PROGRAMS = {
  authflow: { file: new URL("../everyday.mjs", here), library: /^authflow/ },
  oauth4webapi: { file: new URL("everyday_oauth4webapi.mjs", here), library: /^oauth4webapi$/ },
  "authflow (browser)": { file: new URL("../../browser/everyday.js", here), library: /^authflow/ },
  "oauth4webapi (browser)": { file: new URL("../../browser/peers/everyday_oauth4webapi.js", here), library: /^oauth4webapi$/ },
};

/** The source without comments, and with string contents blanked (a template's `${...}` is code and stays). */
function code(source) {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/[^\n]*/g, "")
    .replace(/`(?:\\.|[^\\`])*`/g, (s) => s.replace(/(^`|\})([^`$]*?)(?=\$\{|`$)/g, (_, open, text) => open + " ".repeat(text.length)))
    .replace(/(["'])(?:\\.|(?!\1)[^\\\n])*\1/g, (s) => s[0] + " ".repeat(s.length - 2) + s[0]);
}

/** The text of `export async function everyday(...) { ... }`. */
function functionText(source) {
  const start = source.indexOf("export async function everyday(");
  if (start < 0) throw new Error("no everyday function");
  let depth = 0;
  for (let i = source.indexOf("{", start); i < source.length; i++) {
    if (source[i] === "{") depth++;
    if (source[i] === "}" && --depth === 0) return source.slice(start, i + 1);
  }
  throw new Error("unbalanced braces");
}

export function measure(file, library) {
  const source = readFileSync(file, "utf8");
  const body = functionText(source);
  const lines = body.split("\n").filter((l) => l.trim() && !l.trim().startsWith("//")).length;
  const text = code(body);
  const roots = new Set();
  const namespaces = new Set();
  for (const m of source.matchAll(/^import\s+(.+?)\s+from\s+"([^"]+)";/gm)) {
    if (!library.test(m[2])) continue;
    const star = m[1].match(/\*\s+as\s+(\w+)/);
    if (star) namespaces.add(star[1]);
    for (const name of (m[1].match(/\{([^}]*)\}/)?.[1] ?? "").split(",")) if (name.trim()) roots.add(name.trim());
  }
  const tainted = new Set();
  const fromLibrary = (expr) => [...roots, ...namespaces, ...tainted].some((n) => new RegExp(`\\b${n}\\b\\s*[.(]`).test(expr))
    || /\bnew\s+(\w+)/.test(expr) && roots.has(expr.match(/\bnew\s+(\w+)/)[1]);
  const concepts = new Set();
  // Assignments, in order (a statement per line in these programs).
  for (const line of text.split("\n")) {
    const assign = line.match(/\b(?:const|let)\s+(\{[^}]*\}|\w+)\s*=\s*(.*)$/) ?? line.match(/^\s*(\w+)\s*=\s*(.*)$/);
    if (assign && fromLibrary(assign[2]) && !/=>/.test(assign[2].split("(")[0])) {
      if (assign[1].startsWith("{")) {
        for (const name of assign[1].slice(1, -1).split(",").map((n) => n.trim()).filter(Boolean)) {
          concepts.add(name);
          tainted.add(name);
        }
      } else tainted.add(assign[1]);
    }
    // A callback handed to the library gets the library's values.
    if (fromLibrary(line)) for (const m of line.matchAll(/\((\w+)\)\s*=>/g)) tainted.add(m[1]);
  }
  for (const m of text.matchAll(/catch\s*\((\w+)\)/g)) tainted.add(m[1]);
  for (const name of roots) if (new RegExp(`\\b${name}\\b`).test(text)) concepts.add(name);
  for (const m of text.matchAll(/\b(\w+)((?:\s*\.\s*\w+)+)/g)) {
    const [root, chain] = [m[1], m[2].split(".").map((s) => s.trim()).filter(Boolean)];
    if (namespaces.has(root) || tainted.has(root)) chain.forEach((member) => concepts.add(member));
  }
  // `(await x.fetch(...)).json()`: a method on a library call's result.
  for (const m of text.matchAll(/\(await\s+(\w+)\.\w+\([^()]*\)\)\.(\w+)/g)) if (tainted.has(m[1])) concepts.add(m[2]);
  return { lines, concepts: [...concepts].sort() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`${"program".padEnd(22)} ${"lines".padStart(5)} ${"concepts".padStart(8)}  names`);
  for (const [label, { file, library }] of Object.entries(PROGRAMS)) {
    const m = measure(file, library);
    console.log(`${label.padEnd(22)} ${String(m.lines).padStart(5)} ${String(m.concepts.length).padStart(8)}  ${m.concepts.join(", ")}`);
  }
}

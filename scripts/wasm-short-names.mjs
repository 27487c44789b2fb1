// A browser module's import and export names made short in its
// wasm-bindgen glue and types, after wasm-opt made them short in the module
// (`--minify-imports-and-exports-and-modules`, which prints what it renamed).
//
//   node scripts/wasm-short-names.mjs RENAMES_JSON MODULE_WASM GLUE_JS
//
// Why: wasm-bindgen names each import `__wbg_<name>_<16 hex digits>`, from
// `./<name>_bg.js`; those names are written twice (the module's import
// section, the glue's import object) and their hashes do not compress
// (SIZE.md: about 2.5 KB gzip over both files of the default entry, with the
// exports' names). Nothing outside the glue sees them: the package's API is
// the glue's classes.
//
// Every name is replaced where the glue and its .d.ts files write it, and
// checked: the glue may then name no old name, and every import the module
// declares must be in the import object the glue hands it.
import { readFileSync, writeFileSync } from "node:fs";

const [renamesFile, wasmFile, glueFile] = process.argv.slice(2);
if (!glueFile) throw new Error("usage: wasm-short-names.mjs RENAMES_JSON MODULE_WASM GLUE_JS");
const fail = (why) => {
  throw new Error(`${glueFile}: ${why} (wasm-bindgen's glue changed shape?)`);
};
const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// Replaces what `pattern` matches, which must be exactly once.
const replaceOnce = (text, pattern, replacement, what) => {
  const found = text.match(new RegExp(pattern.source, `${pattern.flags}g`))?.length ?? 0;
  if (found !== 1) fail(`${what}: found ${found} times, expected once`);
  return text.replace(pattern, replacement);
};

const renames = JSON.parse(readFileSync(renamesFile, "utf8"));
const module = new WebAssembly.Module(readFileSync(wasmFile));
const declared = WebAssembly.Module.imports(module);
const newModuleOf = new Map(declared.map((i) => [i.name, i.module]));
let glue = readFileSync(glueFile, "utf8");

// The object the glue hands to the module: one entry per module name, the
// glue's own imports an object literal (`const import0 = { NAME: function`),
// each JS snippet's its namespace (`import * as import1 from`).
const handed = /^( +)return \{\n +__proto__: null,\n((?: +"[^"]+": import\d+,\n)+) +\};$/m;
const entries = glue.match(handed)?.[2] ?? fail("no import object returned");
const objectOf = new Map([...entries.matchAll(/"([^"]+)": (import\d+),/g)].map((m) => [m[1], m[2]]));
const isLiteral = (object) => new RegExp(`^ +const ${object} = \\{$`, "m").test(glue);

const parts = new Map(); // new module name -> the parts of its object
const add = (newModule, part) => {
  const list = parts.get(newModule) ?? [];
  if (!list.includes(part)) list.push(part);
  parts.set(newModule, list);
};
for (const [oldModule, oldName, newName] of renames.imports) {
  const object = objectOf.get(oldModule) ?? fail(`no import object for ${oldModule}`);
  const newModule = newModuleOf.get(newName) ?? fail(`the module declares no import ${newName}`);
  if (isLiteral(object)) {
    glue = replaceOnce(glue, new RegExp(`^( +)${escaped(oldName)}: function\\(`, "m"),
      `$1${newName}: function(`, `the import ${oldName}`);
    add(newModule, `...${object}`);
  } else {
    add(newModule, `${newName}: ${object}.${oldName}`);
  }
}
// A literal spread into two modules would hand each the other's names.
const spread = [...parts.values()].flat().filter((p) => p.startsWith("..."));
if (new Set(spread).size !== spread.length) fail("one import literal spread into two modules");
glue = glue.replace(handed, (_, indent) => [
  `${indent}return {`,
  `${indent}    __proto__: null,`,
  ...[...parts].map(([name, list]) => `${indent}    ${JSON.stringify(name)}: { ${list.join(", ")} },`),
  `${indent}};`,
].join("\n"));

// The exports, which the glue reads as `wasm.NAME`.
const newExports = new Set();
for (const [oldName, newName] of renames.exports) {
  glue = glue.replace(new RegExp(`\\bwasm\\.${escaped(oldName)}\\b`, "g"), `wasm.${newName}`);
  newExports.add(newName);
}
for (const [, name] of glue.matchAll(/\bwasm\.([A-Za-z0-9_$]+)/g)) {
  if (!newExports.has(name)) fail(`wasm.${name} is not an export of the module`);
}
for (const [, oldName] of renames.imports) {
  if (/_[0-9a-f]{16}$/.test(oldName) && glue.includes(oldName)) fail(`${oldName} is still named`);
}
const modules = new Set(declared.map((i) => i.module));
for (const name of modules) if (!parts.has(name)) fail(`nothing handed to the module's imports from ${name}`);
writeFileSync(glueFile, glue);

// The types wasm-bindgen wrote for the exports (`InitOutput`, and the
// module's own .d.ts), so that they describe the module as shipped.
const typeFiles = [
  [glueFile.replace(/\.js$/, ".d.ts"), (old) => new RegExp(`^( +readonly )${escaped(old)}:`, "m")],
  [wasmFile.replace(/\.wasm$/, ".wasm.d.ts"), (old) => new RegExp(`^(export const )${escaped(old)}:`, "m")],
];
for (const [file, pattern] of typeFiles) {
  let types = readFileSync(file, "utf8");
  // Exports added after wasm-bindgen (wasm-opt's, Rust's abort handler)
  // have no type.
  for (const [oldName, newName] of renames.exports) {
    const at = pattern(oldName);
    if (at.test(types)) types = replaceOnce(types, at, `$1${newName}:`, `the export ${oldName} in ${file}`);
  }
  writeFileSync(file, types);
}

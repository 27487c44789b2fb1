// What a page pays once in a real browser: `await import()` of the package
// (for authflow: fetching, compiling and instantiating its WebAssembly)
// beside oauth4webapi's ES module, in headless Chromium (playwright-core
// driving the system Chromium, as examples/browser's tests do).
//
// Both are served from one server on 127.0.0.1 with the content types a
// host sends (`application/wasm` for the module, so Chromium compiles it
// while it streams in). Every import happens in a fresh browser context
// (an empty HTTP cache, so no compiled code is reused: a first visit),
// the sides alternating; the time is taken inside the page, from just
// before the import to its end.
//
//   import { browserImportMs } from "./browser-import.mjs";
//   const { authflow, peer } = await browserImportMs(pkgDir, peerDir, runs);
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";

const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };

/**
 * Serves `roots` (URL prefix → folder) and a blank page at `/`, on a free
 * port of 127.0.0.1. Only files under a root are served.
 */
async function serve(roots) {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    if (path === "/") {
      response.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><title>import</title>");
      return;
    }
    const [prefix, dir] = Object.entries(roots).find(([p]) => path.startsWith(p)) ?? [];
    const relative = prefix && normalize(path.slice(prefix.length));
    if (!relative || relative.startsWith("..")) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(join(dir, relative));
      response.writeHead(200, { "Content-Type": TYPES[extname(relative)] ?? "application/octet-stream" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/**
 * The milliseconds of `runs` first-visit imports of each side, in
 * Chromium: `{ authflow: [...], peer: [...], instantiate: [...] }`, where
 * `instantiate` is, of each authflow import, the part after the .wasm's
 * last byte arrived (the rest of its compilation, which starts while it
 * streams in, and its instantiation). `pkgDir` is the npm package's
 * folder (its `index.js` is the browser entry), `peerDir` oauth4webapi's
 * (its `build/index.js`). Rejects when an import fails.
 */
export async function browserImportMs(pkgDir, peerDir, runs) {
  const server = await serve({ "/authflow/": pkgDir, "/oauth4webapi/": peerDir });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run",
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
  });
  const entries = { authflow: `${origin}/authflow/index.js`, peer: `${origin}/oauth4webapi/build/index.js` };
  const times = { authflow: [], peer: [], instantiate: [] };
  try {
    for (let i = 0; i < runs; i++) {
      const order = i % 2 ? ["peer", "authflow"] : ["authflow", "peer"];
      for (const side of order) {
        const context = await browser.newContext();
        try {
          const page = await context.newPage();
          await page.goto(`${origin}/`);
          const [total, afterWasm] = await page.evaluate(async (entry) => {
            const start = performance.now();
            const module = await import(entry);
            const end = performance.now();
            if (typeof (module.OAuthClient ?? module.validateAuthResponse) !== "function") {
              throw new Error(`${entry}: not the expected module`);
            }
            const wasm = performance.getEntriesByType("resource").find((e) => e.name.endsWith(".wasm"));
            return [end - start, wasm ? end - wasm.responseEnd : null];
          }, entries[side]);
          times[side].push(total);
          if (side === "authflow") {
            if (afterWasm === null) throw new Error("authflow's import fetched no .wasm");
            times.instantiate.push(afterWasm);
          }
        } finally {
          await context.close();
        }
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  return times;
}

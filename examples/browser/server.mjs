// A tiny static server for the example page, on 127.0.0.1 only:
//   /             examples/browser/ (index.html, app.js)
//   /authflow/    the built package, bindings-wasm/pkg/ (scripts/wasm-build.sh)
//   /config.json  the local providers' URLs (what authflow-providers prints)
//
// Run it by hand with `node examples/browser/server.mjs`: it starts the
// local providers (cargo run -p authflow-test-providers --bin
// authflow-providers), prints the page's URL, and serves until stopped.
import { createServer } from "node:http";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { extname, join, normalize } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = join(here, "../..");
const roots = [
  ["/authflow/", join(repo, "bindings-wasm/pkg")],
  ["/", here],
];
const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
};

/** Serves the page on 127.0.0.1:`port` (0: any free port); resolves to `{ url, close }`. */
export async function serve({ providers, port = 0 }) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    if (path === "/config.json") {
      res.writeHead(200, { "Content-Type": types[".json"], "Cache-Control": "no-store" });
      res.end(JSON.stringify(providers));
      return;
    }
    const [prefix, dir] = roots.find(([p]) => path.startsWith(p));
    const file = normalize(join(dir, path.slice(prefix.length) || "index.html"));
    if (!file.startsWith(dir) || file.includes("node_modules")) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file.endsWith("/") ? join(file, "index.html") : file);
      res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream", "Cache-Control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/**
 * Starts the local providers (`authflow-providers`, built by cargo if
 * needed); resolves to `{ urls, stop }`. They stop when `stop()` closes
 * their stdin, or with this process.
 */
export async function startProviders() {
  const child = spawn("cargo", ["run", "--quiet", "--locked", "-p", "authflow-test-providers", "--bin", "authflow-providers"], {
    cwd: repo,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const line = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (first) => { lines.close(); resolve(first); });
    child.once("exit", (code) => reject(new Error(`authflow-providers exited with ${code} before printing its URLs`)));
  });
  return {
    urls: JSON.parse(line),
    stop: async () => { child.stdin.end(); await exited; },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const providers = await startProviders();
  const page = await serve({ providers: providers.urls, port: Number(process.env.PORT ?? 0) });
  console.log(`example page: ${page.url} (Ctrl-C to stop)`);
  const stop = async () => { await page.close(); await providers.stop(); process.exit(0); };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

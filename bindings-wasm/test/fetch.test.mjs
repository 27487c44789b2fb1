// The package's fetch against real servers on 127.0.0.1, under Node's test
// runner: a token endpoint that redirects gets nothing re-sent, one that
// never answers is a `timeout`, a body over the cap is refused, and no
// error carries a secret the request held, whatever the server echoes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";

const pkg = new URL("../pkg/", import.meta.url);
const { AuthflowError, OAuthClient } = await import(new URL("index.js", pkg));

const REDIRECT = "http://127.0.0.1:8400/callback";
const CODE = "code-SECRET-0004";
const REFRESH = "rt-SECRET-0003";
const ACCESS = "at-SECRET-0002";
/** Long enough for a loaded machine to connect, short for a test. */
const SHORT_TIMEOUT = 0.5;

/** A server on 127.0.0.1 answering with `handler`; it records every request. */
async function serve(handler) {
  const seen = [];
  const sockets = new Set();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/token`,
    seen,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(resolve);
    }),
  };
}

const client = (tokenEndpoint, extra = {}) => new OAuthClient({
  profile: "makini_link",
  clientId: "link-public",
  redirectUri: REDIRECT,
  endpoints: { token: tokenEndpoint },
  ...extra,
});

/** A validated redirect carrying CODE, and its PKCE verifier. */
function validatedCallback(client) {
  const start = client.createAuthorizationUrl({ storageKey: null });
  const state = new URL(start.url).searchParams.get("state");
  return client.handleRedirect(`${REDIRECT}?code=${CODE}&state=${state}`, { pending: start.pending });
}

const tokens = () => ({ accessToken: ACCESS, tokenType: "Bearer", refreshToken: REFRESH, issuedAt: 1 });

async function rejection(promise) {
  return promise.then((value) => assert.fail(`expected a rejection, got ${JSON.stringify(value)}`), (e) => e);
}

/** Every text an AuthflowError shows: its message, `String(e)`, and its fields. */
function shown(error) {
  return [error.message, String(error), error.stack ?? "", JSON.stringify(error),
    ...Object.values(error).map((v) => (v === null ? "" : String(v)))].join("\n");
}

for (const status of [307, 308]) {
  test(`a token endpoint answering ${status} is an error, and the code goes nowhere else`, async () => {
    const elsewhere = await serve((req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ access_token: "at-elsewhere", token_type: "bearer" }));
    });
    const endpoint = await serve((req, res) => {
      res.writeHead(status, { Location: elsewhere.url });
      res.end();
    });
    try {
      const app = client(endpoint.url);
      const callback = validatedCallback(app);
      const exchanged = await app.exchangeCode(callback).then(() => null, (e) => e);
      const refreshed = await app.refresh(tokens()).then(() => null, (e) => e);
      assert.equal(endpoint.seen.length, 2, "the token endpoint got both requests");
      assert.deepEqual(elsewhere.seen, [], "the redirect's target received nothing");
      for (const error of [exchanged, refreshed]) {
        assert.ok(error instanceof AuthflowError, String(error));
        assert.equal(error.kind, "unexpected_status");
        assert.equal(error.status, status);
        assert.equal(error.action, "fix_configuration");
      }
    } finally {
      await endpoint.close();
      await elsewhere.close();
    }
  });
}

test("a token endpoint that never answers is a timeout (action retry)", { timeout: 20_000 }, async () => {
  const silent = await serve(() => {}); // reads the request, never answers
  try {
    const started = Date.now();
    const error = await rejection(client(silent.url, { timeout: SHORT_TIMEOUT }).refresh(tokens()));
    assert.ok(error instanceof AuthflowError, String(error));
    assert.equal(error.kind, "timeout");
    assert.equal(error.action, "retry");
    assert.equal(silent.seen.length, 1);
    assert.ok(Date.now() - started < 10_000, "gave up after the timeout");
    assert.doesNotMatch(shown(error), new RegExp(REFRESH));
  } finally {
    await silent.close();
  }
});

test("the timeout also covers a body that stops half-way", { timeout: 20_000 }, async () => {
  const stalled = await serve((req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.write('{"access_token":'); // and nothing more
  });
  try {
    const error = await rejection(client(stalled.url, { timeout: SHORT_TIMEOUT }).refresh(tokens()));
    assert.ok(error instanceof AuthflowError, String(error));
    assert.equal(error.kind, "timeout");
  } finally {
    await stalled.close();
  }
});

test("the timeout option must be a positive number of seconds", async () => {
  for (const timeout of [0, -1, "30", Number.NaN, Number.POSITIVE_INFINITY]) {
    const error = (() => {
      try {
        client("http://127.0.0.1:9/token", { timeout });
      } catch (e) {
        return e;
      }
      return assert.fail(`timeout ${String(timeout)} was taken`);
    })();
    assert.ok(error instanceof AuthflowError, String(error));
    assert.equal(error.kind, "configuration", String(timeout));
  }
});

test("a body over 4 MiB is refused, announced or not", async () => {
  const padding = "x".repeat(4 * 1024 * 1024);
  const body = JSON.stringify({ access_token: "at-123456", token_type: "bearer", padding });
  for (const chunked of [false, true]) {
    const big = await serve((req, res) => {
      const headers = { "Content-Type": "application/json" };
      if (!chunked) headers["Content-Length"] = Buffer.byteLength(body);
      res.writeHead(200, headers);
      res.end(body);
    });
    try {
      const error = await rejection(client(big.url).refresh(tokens()));
      assert.ok(error instanceof AuthflowError, String(error));
      assert.equal(error.kind, "transport", `chunked: ${chunked}`);
      assert.equal(error.action, "retry");
      assert.match(error.message, /too large/);
    } finally {
      await big.close();
    }
  }
  // Just under the cap is read.
  const fits = await serve((req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ access_token: "at-123456", token_type: "bearer", padding: "x".repeat(4 * 1024 * 1024 - 100) }));
  });
  try {
    const renewed = await client(fits.url).refresh(tokens());
    assert.equal(renewed.accessToken, "at-123456");
  } finally {
    await fits.close();
  }
});

test("a provider that echoes the request's secrets gets none of them into an error", async () => {
  // Every field the core keeps, in each body shape it reads, echoes the
  // whole request body: the code, the PKCE verifier, the refresh token.
  const shapes = [
    (echo) => [400, { error: "invalid_grant", error_description: echo, error_uri: `https://as.example/e?${echo}` }],
    (echo) => [401, { error: { code: echo, type: "x", message: echo, request_id: echo } }],
    (echo) => [403, { errors: [{ title: echo, code: echo }], request_id: echo }],
    (echo) => [200, { error: echo, error_description: echo }],
    (echo) => [400, { code: echo, message: echo }],
  ];
  for (const shape of shapes) {
    const echoing = await serve((req, res, body) => {
      const [status, answer] = shape(`${body} ${req.headers.authorization ?? ""}`);
      res.writeHead(status, { "Content-Type": "application/json", "X-Request-Id": body.slice(0, 200) });
      res.end(JSON.stringify(answer));
    });
    try {
      const app = client(echoing.url);
      const callback = validatedCallback(app);
      const verifier = callback.codeVerifier;
      const exchanged = await rejection(app.exchangeCode(callback));
      const refreshed = await rejection(app.refresh(tokens()));
      for (const error of [exchanged, refreshed]) {
        assert.ok(error instanceof AuthflowError, String(error));
        for (const secret of [CODE, verifier, REFRESH, ACCESS]) {
          assert.ok(!shown(error).includes(secret), `${error.kind} shows a secret: ${shown(error)}`);
        }
      }
      assert.match(exchanged.message, /\[redacted\]/, "the echo is there, redacted");
    } finally {
      await echoing.close();
    }
  }
});

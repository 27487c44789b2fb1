// The client assertions of tests/vectors/client_assertion (private_key_jwt,
// client_secret_jwt), which the core signs and every runtime's runner
// compares byte for byte, verified here by another implementation:
// node:crypto, with the public half of each case's own key. A signature
// only authflow's verifier accepts would pass the runners and fail here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';

const vectors = JSON.parse(
  readFileSync(new URL('../../tests/vectors/client_assertion/requests.json', import.meta.url)),
);

const signed = vectors.cases.filter((c) => c.expect.result?.body?.includes('client_assertion='));

test('the vectors hold a signed assertion of every algorithm', () => {
  const algs = new Set(signed.map((c) => header(assertionOf(c)).alg));
  assert.deepEqual([...algs].sort(), ['ES256', 'EdDSA', 'HS256', 'PS256', 'RS256']);
});

for (const c of signed) {
  test(`${c.name}: node:crypto verifies the assertion`, () => {
    const jwt = assertionOf(c);
    const [h, p, s] = jwt.split('.');
    const input = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    const { alg } = header(jwt);
    if (alg === 'HS256') {
      const mac = crypto.createHmac('sha256', c.client.client_secret).update(input).digest();
      assert.ok(crypto.timingSafeEqual(mac, signature));
      return;
    }
    const spec = c.client.signing_key;
    const key = crypto.createPublicKey(
      typeof spec === 'string'
        ? crypto.createPrivateKey(spec)
        : crypto.createPrivateKey({ key: spec, format: 'jwk' }),
    );
    const options = {
      RS256: ['sha256', key],
      PS256: ['sha256', { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
      ES256: ['sha256', { key, dsaEncoding: 'ieee-p1363' }],
      EdDSA: [null, key],
    }[alg];
    assert.ok(options, `unexpected alg ${alg}`);
    assert.ok(crypto.verify(options[0], input, options[1], signature));
    const claims = JSON.parse(Buffer.from(p, 'base64url'));
    assert.equal(claims.exp - claims.iat, 60);
    assert.equal(claims.iss, c.client.client_id);
    assert.equal(claims.sub, c.client.client_id);
  });
}

function assertionOf(c) {
  return new URLSearchParams(c.expect.result.body).get('client_assertion');
}

function header(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url'));
}

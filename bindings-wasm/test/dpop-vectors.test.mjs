// The DPoP proofs of tests/vectors/dpop (RFC 9449), which the core signs
// and every runtime's runner compares byte for byte, checked here by
// another implementation: node:crypto verifies each signature with the
// `jwk` of the proof's own header, that key is the public half of the
// case's key, `ath` is the SHA-256 of the token, and `dpop_jkt` the
// key's RFC 7638 thumbprint. A proof only authflow accepts fails here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';

const vectors = JSON.parse(
  readFileSync(new URL('../../tests/vectors/dpop/dpop.json', import.meta.url)),
);

/** Every DPoP header in a value, wherever it sits (a request, a session step). */
function proofsIn(value, out = []) {
  if (Array.isArray(value)) {
    if (value.length === 2 && value[0] === 'DPoP' && typeof value[1] === 'string') out.push(value[1]);
    else value.forEach((v) => proofsIn(v, out));
  } else if (value && typeof value === 'object') {
    Object.values(value).forEach((v) => proofsIn(v, out));
  }
  return out;
}

const part = (jwt, i) => JSON.parse(Buffer.from(jwt.split('.')[i], 'base64url'));

function publicJwk(spec) {
  const key = typeof spec === 'string'
    ? crypto.createPrivateKey(spec)
    : crypto.createPrivateKey({ key: spec, format: 'jwk' });
  const { kty, crv, x, y } = crypto.createPublicKey(key).export({ format: 'jwk' });
  return kty === 'EC' ? { crv, kty, x, y } : { crv, kty, x };
}

const thumbprint = (jwk) => crypto.createHash('sha256').update(JSON.stringify(jwk)).digest('base64url');

const proved = vectors.cases.filter((c) => proofsIn(c.expect).length || proofsIn(c.input?.steps).length);

test('the vectors hold ES256 and EdDSA proofs', () => {
  const algs = new Set(proved.flatMap((c) => proofsIn([c.expect, c.input?.steps]).map((p) => part(p, 0).alg)));
  assert.deepEqual([...algs].sort(), ['ES256', 'EdDSA']);
});

for (const c of proved) {
  test(`${c.name}: node:crypto verifies every proof`, () => {
    for (const proof of proofsIn([c.expect, c.input?.steps])) {
      const [h, p, s] = proof.split('.');
      const header = part(proof, 0);
      assert.equal(header.typ, 'dpop+jwt');
      assert.deepEqual(header.jwk, publicJwk(c.client.dpop_key));
      const key = crypto.createPublicKey({ key: header.jwk, format: 'jwk' });
      const input = Buffer.from(`${h}.${p}`);
      const signature = Buffer.from(s, 'base64url');
      const ok = header.alg === 'ES256'
        ? crypto.verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)
        : crypto.verify(null, input, key, signature);
      assert.ok(ok, `${header.alg} signature`);
      const claims = part(proof, 1);
      assert.ok(Buffer.from(claims.jti, 'base64url').length >= 12, 'jti of 96 bits or more');
      assert.ok(!claims.htu.includes('?') && !claims.htu.includes('#'), 'htu without query and fragment');
      const token = c.input?.access_token;
      if (c.input?.token_type === 'DPoP') {
        assert.equal(claims.ath, crypto.createHash('sha256').update(token).digest('base64url'));
      } else {
        assert.equal(claims.ath, undefined);
      }
    }
  });
}

test('dpop_jkt is the RFC 7638 thumbprint of the key', () => {
  const c = vectors.cases.find((k) => k.name === 'authorization_request_carries_dpop_jkt');
  const url = new URL(c.expect.result.url);
  assert.equal(url.searchParams.get('dpop_jkt'), thumbprint(publicJwk(c.client.dpop_key)));
});

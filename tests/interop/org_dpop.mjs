// An institution's system as an independent OAuth 2.0 client with DPoP (RFC 9449): openid-client
// (npm, on oauth4webapi) gets a sender-constrained access token by the client credentials grant
// with a private_key_jwt assertion (RFC 7523) and a DPoP proof, then reads the consent change
// feed with a fresh proof for each request. What a thief of the token tries is tried too: the
// token as a bearer one, and with proofs by another key.
//
// Usage: node org_dpop.mjs BASE_URL CLIENT_ID PRIVATE_JWK_JSON
// Prints one JSON object (never the access token).

import * as client from "openid-client";
import * as jose from "jose";

const [base, clientId, jwkJson] = process.argv.slice(2);
const jwk = JSON.parse(jwkJson);
const key = await jose.importJWK(jwk, "ES256");
const server = { issuer: base, token_endpoint: `${base}/oauth2/token` };
const config = new client.Configuration(
  server,
  clientId,
  {},
  client.PrivateKeyJwt({ key, kid: jwk.kid }),
);
client.allowInsecureRequests(config); // the local stack is http on the loopback

const out = { library: "openid-client 6.9.1" };
const keys = await client.randomDPoPKeyPair("ES256");
const dpop = client.getDPoPHandle(config, keys);
const tokens = await client.clientCredentialsGrant(
  config,
  { scope: "extract:ANGAJARE" },
  { DPoP: dpop },
);
out.token_type = tokens.token_type;
out.expires_in = tokens.expires_in;
const feed = new URL(`${base}/v1/consent-changes`);

async function status(run) {
  try {
    const response = await run();
    return response.status;
  } catch (e) {
    return e?.response?.status ?? e?.cause?.status ?? String(e);
  }
}

const read = await client.fetchProtectedResource(config, tokens.access_token, feed, "GET", undefined, undefined, { DPoP: dpop });
out.feed_status = read.status;
out.feed = await read.json();
out.again_status = await status(() =>
  client.fetchProtectedResource(config, tokens.access_token, feed, "GET", undefined, undefined, { DPoP: dpop }),
);
// A thief with the token only: as a bearer token, and with proofs by a key of its own.
out.as_bearer_status = (await fetch(feed, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status;
const thief = client.getDPoPHandle(config, await client.randomDPoPKeyPair("ES256"));
out.other_key_status = await status(() =>
  client.fetchProtectedResource(config, tokens.access_token, feed, "GET", undefined, undefined, { DPoP: thief }),
);
// One proof sent twice (made here with jose, as the library would): the second is refused.
const ath = jose.base64url.encode(
  new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(tokens.access_token))),
);
const proof = await new jose.SignJWT({ htm: "GET", htu: feed.href, ath, jti: crypto.randomUUID() })
  .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: await jose.exportJWK(keys.publicKey) })
  .setIssuedAt()
  .sign(keys.privateKey);
const withProof = () =>
  fetch(feed, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: proof } });
out.handmade_status = (await withProof()).status;
out.replayed_status = (await withProof()).status;
// No proof at all.
out.no_proof_status = (await fetch(feed, { headers: { authorization: `DPoP ${tokens.access_token}` } })).status;
console.log(JSON.stringify(out));

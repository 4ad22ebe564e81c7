// The wallet's side of OpenID4VCI 1.0, played by an independent client library
// (@openid4vc/openid4vci from the npm registry), for tests/tests/wallet.rs:
//
//   node oid4vci_wallet.mjs <credential offer URI> <tx_code>
//
// resolves the offer and the issuer's metadata, redeems the pre-authorized code with the
// transaction code, authenticating with a Wallet Instance Attestation and its proof of
// possession (attest_jwt_client_auth, made by the library), asks for a nonce, proves
// possession of a new P-256 key with a key attestation in the proof's header (the key kept
// in storage rated iso_18045_high) and retrieves the credential. The attestations are signed
// by the local stack's development wallet provider (infra/local/wallet-provider-dev*.pem),
// as a real wallet's provider backend signs them. With "no-attestation" it authenticates
// with nothing, as before. Prints {"credential", "holder_jwk"} (the key's private JWK, for the test to make
// a presentation with) as JSON; on failure, the library's error and exit status 1.
import { createHash, createPrivateKey, randomBytes, sign, webcrypto } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  clientAuthenticationAnonymous,
  clientAuthenticationClientAttestationJwt,
  createClientAttestationJwt,
} from "@openid4vc/oauth2";
import { Openid4vciClient } from "@openid4vc/openid4vci";
import { setGlobalConfig } from "@openid4vc/utils";

const [offerUri, txCode, mode] = process.argv.slice(2);
// The local stack answers on http://127.0.0.1; a deployed issuer is https only.
setGlobalConfig({ allowInsecureUrls: true });

const { subtle } = webcrypto;
const keys = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
const privateJwk = await subtle.exportKey("jwk", keys.privateKey);
const publicJwk = { kty: "EC", crv: "P-256", x: privateJwk.x, y: privateJwk.y };
const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

// The wallet instance's own key (what its attestation binds), apart from the credential's.
const instance = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
const instanceJwk = await subtle.exportKey("jwk", instance.publicKey);
const instancePublic = { kty: "EC", crv: "P-256", x: instanceJwk.x, y: instanceJwk.y };
// The wallet provider's key and certificate (its backend signs the attestations).
const devFile = (name) => new URL(`../../infra/local/${name}`, import.meta.url);
const providerKey = createPrivateKey(readFileSync(devFile("wallet-provider-dev-key.pem")));
const providerCert = readFileSync(devFile("wallet-provider-dev.pem"), "utf8")
  .replace(/-----[A-Z ]+-----|\s/g, "");

const signJwt = async (signer, { header, payload }) => {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  if (signer.method === "x5c") {
    const signature = sign("sha256", Buffer.from(input), { key: providerKey, dsaEncoding: "ieee-p1363" });
    return { jwt: `${input}.${b64url(signature)}` };
  }
  const ofInstance = signer.publicJwk?.x === instancePublic.x;
  const key = ofInstance ? instance.privateKey : keys.privateKey;
  const signature = await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, Buffer.from(input));
  return { jwt: `${input}.${b64url(new Uint8Array(signature))}`, signerJwk: ofInstance ? instancePublic : publicJwk };
};
const callbacks = {
  fetch,
  hash: (data, alg) => new Uint8Array(createHash(alg.replace("-", "").toLowerCase()).update(data).digest()),
  generateRandom: (length) => new Uint8Array(randomBytes(length)),
  signJwt,
};
const now = Math.floor(Date.now() / 1000);
const clientAttestationJwt = await createClientAttestationJwt({
  issuer: "https://wallet-provider.cazier.local",
  clientId: "cazier-interop-wallet",
  confirmation: { jwk: instancePublic },
  issuedAt: new Date(),
  expiresAt: new Date((now + 3600) * 1000),
  signer: { method: "x5c", alg: "ES256", x5c: [providerCert] },
  callbacks,
  additionalPayload: { wallet_name: "cazier interop wallet" },
});
// The provider's attestation that the credential's key is kept in a secure element.
const keyAttestationHeader = { alg: "ES256", typ: "key-attestation+jwt", x5c: [providerCert] };
const keyAttestationPayload = {
  iat: now, exp: now + 3600, attested_keys: [publicJwk],
  key_storage: ["iso_18045_high"], user_authentication: ["iso_18045_high"],
};
const { jwt: keyAttestationJwt } = await signJwt({ method: "x5c" }, { header: keyAttestationHeader, payload: keyAttestationPayload });

const client = new Openid4vciClient({
  callbacks: {
    ...callbacks,
    clientAuthentication: mode === "no-attestation"
      ? clientAuthenticationAnonymous()
      : clientAuthenticationClientAttestationJwt({ clientAttestationJwt, callbacks }),
  },
});

try {
  const credentialOffer = await client.resolveCredentialOffer(offerUri);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    txCode,
  });
  const credentialConfigurationId = credentialOffer.credential_configuration_ids[0];
  const { c_nonce } = await client.requestNonce({ issuerMetadata });
  const { jwt } = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    signer: { method: "jwk", alg: "ES256", publicJwk },
    nonce: c_nonce,
    credentialConfigurationId,
    keyAttestationJwt,
  });
  const response = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId,
    proofs: { jwt: [jwt] },
  });
  const credential = response.credentialResponse.credentials[0].credential;
  console.log(JSON.stringify({ credential, holder_jwk: privateJwk }));
} catch (error) {
  console.error(error?.stack ?? String(error));
  if (error?.response) console.error(JSON.stringify(error.response));
  process.exit(1);
}

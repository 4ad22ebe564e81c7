// The wallet's side of OpenID4VCI 1.0, played by an independent client library
// (@openid4vc/openid4vci from the npm registry), for tests/tests/wallet.rs:
//
//   node oid4vci_wallet.mjs <credential offer URI> <tx_code>
//
// resolves the offer and the issuer's metadata, redeems the pre-authorized code with the
// transaction code, asks for a nonce, proves possession of a new P-256 key and retrieves the
// credential. Prints {"credential", "holder_jwk"} (the key's private JWK, for the test to make
// a presentation with) as JSON; on failure, the library's error and exit status 1.
import { createHash, randomBytes, webcrypto } from "node:crypto";
import { clientAuthenticationAnonymous } from "@openid4vc/oauth2";
import { Openid4vciClient } from "@openid4vc/openid4vci";
import { setGlobalConfig } from "@openid4vc/utils";

const [offerUri, txCode] = process.argv.slice(2);
// The local stack answers on http://127.0.0.1; a deployed issuer is https only.
setGlobalConfig({ allowInsecureUrls: true });

const { subtle } = webcrypto;
const keys = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
const privateJwk = await subtle.exportKey("jwk", keys.privateKey);
const publicJwk = { kty: "EC", crv: "P-256", x: privateJwk.x, y: privateJwk.y };
const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

const client = new Openid4vciClient({
  callbacks: {
    fetch,
    hash: (data, alg) => new Uint8Array(createHash(alg.replace("-", "").toLowerCase()).update(data).digest()),
    generateRandom: (length) => new Uint8Array(randomBytes(length)),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, { header, payload }) => {
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
      const signature = await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.privateKey, Buffer.from(input));
      return { jwt: `${input}.${b64url(new Uint8Array(signature))}`, signerJwk: publicJwk };
    },
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

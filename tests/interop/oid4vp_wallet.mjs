// The wallet's side of OpenID4VP 1.0, played by independent libraries from the npm registry:
// @openid4vc/openid4vp (the request and the response) and @sd-jwt/sd-jwt-vc (the
// presentation and its key-binding JWT), for tests/tests/openid4vp.rs:
//
//   node oid4vp_wallet.mjs <openid4vp:// link> <credential> <holder's private JWK>
//                          <trusted verifier CAs, PEM> [decline]
//
// parses the link and fetches the signed request it names (checking its signature by the
// x5c leaf, the leaf's issuer among the trusted CAs, and the client id prefix), resolves the
// DCQL query, presents the
// credential disclosing exactly the claims the query asks for, bound to the request's client
// id and nonce, encrypts the response to the request's own key (direct_post.jwt: ECDH-ES with
// the A256GCM or A128GCM it offers, by panva's jose) and posts it to the request's
// response_uri; with "decline", posts the error access_denied instead (in the clear, as
// wallets may). Prints {"client_id", "client_prefix", "version", "asked",
// "presentation_bytes", "response_mode", "response_bytes", "enc", "status", "body"} as JSON;
// on failure, the library's error and exit status 1.
import { X509Certificate, createHash, randomBytes, verify as verifySignature, webcrypto } from "node:crypto";
import { Openid4vpClient } from "@openid4vc/openid4vp";
import { setGlobalConfig } from "@openid4vc/utils";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import { CompactEncrypt, decodeProtectedHeader, importJWK } from "jose";

const [requestUri, credential, holderJwk, trustedPem, mode] = process.argv.slice(2);
// The wallet's trusted list of relying-party CAs: here the stack's own root.
const anchors = trustedPem
  .split(/(?=-----BEGIN CERTIFICATE-----)/)
  .filter((pem) => pem.includes("BEGIN CERTIFICATE"))
  .map((pem) => new X509Certificate(pem));
// The local stack answers on http://127.0.0.1; a deployed verifier is https only.
setGlobalConfig({ allowInsecureUrls: true });

const { subtle } = webcrypto;
const holderKey = await subtle.importKey("jwk", JSON.parse(holderJwk), { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
const sha256 = (data) => new Uint8Array(createHash("sha256").update(data).digest());

const client = new Openid4vpClient({
  callbacks: {
    fetch,
    hash: (data, alg) => new Uint8Array(createHash(alg.replace("-", "").toLowerCase()).update(data).digest()),
    getX509CertificateMetadata: (certificate) => {
      const names = (new X509Certificate(Buffer.from(certificate, "base64")).subjectAltName ?? "")
        .split(", ");
      const of = (kind) => names.filter((n) => n.startsWith(kind)).map((n) => n.slice(kind.length));
      return { sanDnsNames: of("DNS:"), sanUriNames: of("URI:") };
    },
    // A signed request: the x5c leaf signs it, and is issued by one of the trusted CAs.
    verifyJwt: async (signer, { compact }) => {
      if (signer.method !== "x5c") return { verified: false };
      const leaf = new X509Certificate(Buffer.from(signer.x5c[0], "base64"));
      const trusted = anchors.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
      const [header, payload, signature] = compact.split(".");
      const valid = verifySignature("sha256", Buffer.from(`${header}.${payload}`),
        { key: leaf.publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
      const signerJwk = leaf.publicKey.export({ format: "jwk" });
      return trusted && valid ? { verified: true, signerJwk } : { verified: false, signerJwk };
    },
    // direct_post.jwt: the response encrypted to the verifier's key for this request.
    encryptJwe: async (encryptor, data) => {
      const key = await importJWK(encryptor.publicJwk, encryptor.alg);
      const parameters = { apv: Buffer.from(encryptor.apv, "base64url") };
      if (encryptor.apu) parameters.apu = Buffer.from(encryptor.apu, "base64url");
      const jwe = await new CompactEncrypt(new TextEncoder().encode(data))
        .setProtectedHeader({ alg: encryptor.alg, enc: encryptor.enc, kid: encryptor.publicJwk.kid })
        .setKeyManagementParameters(parameters)
        .encrypt(key);
      return { jwe, encryptionJwk: encryptor.publicJwk };
    },
  },
});
// What this wallet can encrypt with (HAIP: ECDH-ES on P-256, A128GCM and A256GCM).
const jarm = {
  encryption: {},
  serverMetadata: {
    authorization_encryption_alg_values_supported: ["ECDH-ES"],
    authorization_encryption_enc_values_supported: ["A256GCM", "A128GCM"],
  },
};

const sdjwt = new SDJwtVcInstance({
  hasher: (data, alg) => {
    if (alg !== "sha-256") throw new Error(`unsupported hash ${alg}`);
    return sha256(typeof data === "string" ? Buffer.from(data) : data);
  },
  hashAlg: "sha-256",
  saltGenerator: () => randomBytes(16).toString("base64url"),
  kbSignAlg: "ES256",
  kbSigner: async (input) => {
    const signature = await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, holderKey, Buffer.from(input));
    return Buffer.from(new Uint8Array(signature)).toString("base64url");
  },
});

try {
  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: requestUri });
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params });
  const request = resolved.authorizationRequestPayload;
  const [query] = resolved.dcql.query.credentials;
  if (query.format !== "dc+sd-jwt") throw new Error(`unexpected format ${query.format}`);
  let response;
  let presentationBytes = 0;
  const asked = query.claims.map((claim) => claim.path[0]);
  if (mode === "decline") {
    response = { error: "access_denied", error_description: "The holder said no." };
  } else {
    // Disclose exactly what the query asks for.
    const frame = Object.fromEntries(asked.map((name) => [name, true]));
    const presentation = await sdjwt.present(credential, frame, {
      kb: { payload: { aud: request.client_id, nonce: request.nonce, iat: Math.floor(Date.now() / 1000) } },
    });
    presentationBytes = presentation.length;
    const created = await client.createOpenid4vpAuthorizationResponse({
      authorizationRequestPayload: request,
      authorizationResponsePayload: { vp_token: { [query.id]: [presentation] } },
      jarm: request.response_mode === "direct_post.jwt" ? jarm : undefined,
    });
    response = created;
  }
  if (mode === "decline") response = { authorizationResponsePayload: { ...response, state: request.state } };
  const responseJwt = response.jarm?.responseJwt;
  const submitted = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: response.authorizationResponsePayload,
    jarm: responseJwt ? { responseJwt } : undefined,
  });
  console.log(JSON.stringify({
    client_id: resolved.client.original?.clientId ?? request.client_id,
    client_prefix: resolved.client.prefix,
    version: resolved.version,
    asked,
    presentation_bytes: presentationBytes,
    response_mode: submitted.responseMode,
    response_bytes: responseJwt?.length ?? 0,
    enc: responseJwt ? decodeProtectedHeader(responseJwt).enc : null,
    status: submitted.response.status,
    body: await submitted.response.text(),
  }));
} catch (error) {
  console.error(error?.stack ?? String(error));
  if (error?.errorResponse) console.error(JSON.stringify(error.errorResponse));
  process.exit(1);
}

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
// id and nonce, and posts the response to the request's response_uri; with "decline", posts
// the error access_denied instead. Prints {"client_id", "client_prefix", "version", "asked",
// "presentation_bytes", "status", "body"} as JSON;
// on failure, the library's error and exit status 1.
import { X509Certificate, createHash, randomBytes, verify as verifySignature, webcrypto } from "node:crypto";
import { Openid4vpClient } from "@openid4vc/openid4vp";
import { setGlobalConfig } from "@openid4vc/utils";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";

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
  },
});

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
    });
    response = created.authorizationResponsePayload;
  }
  if (mode === "decline") response.state = request.state;
  const submitted = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: response,
  });
  console.log(JSON.stringify({
    client_id: resolved.client.original?.clientId ?? request.client_id,
    client_prefix: resolved.client.prefix,
    version: resolved.version,
    asked,
    presentation_bytes: presentationBytes,
    status: submitted.response.status,
    body: await submitted.response.text(),
  }));
} catch (error) {
  console.error(error?.stack ?? String(error));
  if (error?.errorResponse) console.error(JSON.stringify(error.errorResponse));
  process.exit(1);
}

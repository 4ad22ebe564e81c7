// The development stand-in for ROeID / the electronic identity card: the certified
// `oidc-provider` package (npm), configured here, never deployed. Its own development sign-in
// page takes any login and password; the login says whom the ID token is about, as the
// population register would: `CNP/Surname/Given names` (just `CNP`: the register's names are
// "Test ROeID"), so a tester signs in "as" a citizen by typing their data.
//
//   node server.mjs --port 4010 [--host 127.0.0.1] [--public-host localhost]
//
// It listens on --host and names itself (its issuer) by --public-host: `localhost`, another
// site than the portal's `127.0.0.1`, as the real ROeID is, so that the browser treats the way
// there and back as cross-site (SameSite cookies, CSP `form-action`) as it will in production.
//
// Prints `listening <issuer>` once it accepts connections.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    host: { type: 'string', default: '127.0.0.1' },
    'public-host': { type: 'string', default: 'localhost' },
  },
});
const issuer = `http://${values['public-host']}:${values.port}`;
const jwks = JSON.parse(readFileSync(new URL('./roeid-dev-jwks.json', import.meta.url)));

// Any ID card holder: the login is `CNP/Surname/Given names` (the portal compares all three).
const findAccount = async (_ctx, sub) => {
  const [cnp, family = 'Test', given = 'ROeID'] = sub.split('/');
  return {
    accountId: sub,
    claims: async () => ({ sub, cnp, family_name: family, given_name: given }),
  };
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'cazier-local',
      // A public client: the portal proves possession with PKCE (S256), no secret.
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
      // "native" only so that a loopback redirect on any port is accepted (RFC 8252 §7.3): the
      // tests run the portal on a free port. The real ROeID registers the portal's https URL.
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/cont/roeid/raspuns'],
    },
  ],
  jwks,
  findAccount,
  claims: { openid: ['sub'], cnp: ['cnp', 'family_name', 'given_name'] },
  scopes: ['openid', 'cnp'],
  // The CNP in the signed ID token itself, not only at the userinfo endpoint.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
  ttl: { AuthorizationCode: 60, IdToken: 300, Interaction: 600, Session: 600, Grant: 600 },
  features: { devInteractions: { enabled: true } },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>ROeID (dev)</title><h1>${out.error}</h1><p>${out.error_description ?? ''}</p>`;
  },
});
// The dev sign-in page warns on the console at every start; that is expected here.
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

provider.listen(Number(values.port), values.host, () => console.log(`listening ${issuer}`));

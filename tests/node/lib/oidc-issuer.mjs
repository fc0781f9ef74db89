// A real OAuth 2.1 authorization server for the whole-binary tests: oidc-provider (npm) on
// 127.0.0.1:<random port>, issuer `http://127.0.0.1:PORT`, with the client-credentials grant and
// resource indicators (RFC 8707) enabled. A client asks for `resource=<MCP URL>` and gets a JWT
// access token (RFC 9068: RS256, `typ: at+jwt`, `aud` = the resource, `scope` = what it asked
// for among the three credentials-mcp scopes).
//
// The provider signs with an RSA key generated here, so the tests can also sign crafted tokens
// (wrong audience, wrong issuer, expired...) with the issuer's real key: a resource server that
// rejects those does so for the claim, not for the signature.
import http from 'node:http';
import { once } from 'node:events';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import Provider from 'oidc-provider';

export const SCOPES = ['credentials:read', 'credentials:write', 'credentials:delete'];

// client id -> secret. `mcp-agent` is named by the test's principals file; `stranger` gets valid
// tokens that no principal matches.
export const CLIENTS = {
  'mcp-agent': 'mcp-agent-secret-0123456789',
  stranger: 'stranger-secret-0123456789',
};

const ACCESS_TOKEN_TTL = 600;

// oidc-provider's storage interface over one Map per provider (its own MemoryAdapter works the
// same but warns on every start that it is for development only).
function mapAdapter() {
  const store = new Map();
  const key = (model, id) => `${model}:${id}`;
  return class MapAdapter {
    constructor(model) { this.model = model; }
    async upsert(id, payload) { store.set(key(this.model, id), payload); }
    async find(id) { return store.get(key(this.model, id)); }
    async findByUserCode() { return undefined; }
    async findByUid() { return undefined; }
    async consume(id) {
      const payload = store.get(key(this.model, id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id) { store.delete(key(this.model, id)); }
    async revokeByGrantId() {}
  };
}

// Options: `openidConfigurationOnly` answers 404 at /.well-known/oauth-authorization-server
// (oidc-provider serves both discovery documents), so a client must fall back to
// /.well-known/openid-configuration.
export async function startIssuer({ openidConfigurationOnly = false } = {}) {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `issuer-${Date.now().toString(36)}`;
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };

  // Bind first: the issuer URL carries the port.
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const provider = new Provider(issuer, {
    adapter: mapAdapter(),
    jwks: { keys: [privateJwk] },
    clients: Object.entries(CLIENTS).map(([clientId, secret]) => ({
      client_id: clientId,
      client_secret: secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: SCOPES.join(' '),
    })),
    scopes: SCOPES,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // No implicit audience: every token request names its resource.
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        // Any resource the tests ask for is a resource server accepting the three scopes; the
        // token is a JWT signed with the provider's RS256 key.
        getResourceServerInfo: (_ctx, resource) => ({
          scope: SCOPES.join(' '),
          audience: resource,
          accessTokenTTL: ACCESS_TOKEN_TTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    ttl: { ClientCredentials: ACCESS_TOKEN_TTL },
    cookies: { keys: ['oidc-issuer-test-cookie-key'] },
  });
  // oidc-provider logs every server_error to the console; keep them for the test's messages.
  const errors = [];
  provider.on('server_error', (_ctx, error) => errors.push(error));
  // Paths asked for, in order (the tests count discovery and JWKS fetches).
  const requests = [];
  const handler = provider.callback();
  server.on('request', (req, res) => {
    const path = new URL(req.url, issuer).pathname;
    requests.push(path);
    if (openidConfigurationOnly && path.startsWith('/.well-known/oauth-authorization-server')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not_found"}');
      return;
    }
    handler(req, res);
  });

  // Asks the token endpoint for a client-credentials token; resolves with the access token (a
  // compact JWS). Rejects with the endpoint's error answer otherwise.
  async function token({ clientId = 'mcp-agent', scope = SCOPES.join(' '), resource } = {}) {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) body.set('scope', scope);
    if (resource) body.set('resource', resource);
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${CLIENTS[clientId] ?? 'unknown'}`).toString('base64')}`,
      },
      body,
    });
    const answer = await response.json();
    if (response.status !== 200) {
      throw new Error(`token endpoint: ${response.status} ${JSON.stringify(answer)} ${errors.map(String).join('; ')}`);
    }
    return answer.access_token;
  }

  // Signs `claims` with the issuer's own private key and kid (header overridable), for tokens
  // the provider itself would not issue (expired, other iss...).
  async function sign(claims, header = {}) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid, ...header })
      .sign(privateKey);
  }

  return {
    issuer,
    kid,
    token,
    sign,
    privateKey,
    publicKey,
    publicKeyPem: await exportSPKI(publicKey),
    jwks: { keys: [publicJwk] },
    errors,
    requests,
    jwksFetches: () => requests.filter((path) => path === '/jwks').length,
    async stop() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

export { decodeJwt, decodeProtectedHeader };

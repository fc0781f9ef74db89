// OAuth 2.1 resource-server mode with principals, end to end against a real authorization
// server (oidc-provider in this process, lib/oidc-issuer.mjs) and the standalone upstream
// simulator (`credentials-mcp sandbox`):
//  - Protected Resource Metadata (RFC 9728) at both well-known URLs, and the 401 challenge that
//    points at it, checked field by field;
//  - the official SDK clients (v1 and v2) with a real client-credentials token (RFC 9068 JWT,
//    audience = the MCP URL per RFC 8707), and through the SDK's own discovery from the 401;
//  - scopes: credentials:read / :write / :delete filter tools/list, and a missing one is a 403
//    insufficient_scope challenge;
//  - every way a token can be wrong is a 401 invalid_token (wrong aud, wrong iss, expired,
//    alg none, HS256 with the public key as secret, tampered payload, unknown kid...), tokens
//    the tests craft being signed with the issuer's real key so only the one defect differs;
//  - a valid token no principal matches is a 403; an unreachable issuer is a 503, not a crash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { discoverOAuthProtectedResourceMetadata, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  Client as ClientV2,
  ClientCredentialsProvider as ClientCredentialsProviderV2,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
} from '@modelcontextprotocol/client';
import { base64url, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { DEMO } from './lib/demo.mjs';
import { CLIENTS, SCOPES, startIssuer } from './lib/oidc-issuer.mjs';
import { SEED_TOOLS } from './lib/seed-tools.mjs';
import { BINARY, cleanEnv, startHttp } from './lib/server.mjs';
import { freePort, sleep, waitFor } from './lib/wait.mjs';

const CREDENTIALS = {
  SCW_SECRET_KEY: 'oauth-e2e-scw-key-0123456789',
  PLANETSCALE_SERVICE_TOKEN_ID: 'oauthe2eid01',
  PLANETSCALE_SERVICE_TOKEN: 'pscale_tkn_oauthe2e_0123456789',
};
const PRINCIPALS = {
  principals: [{
    name: 'agents',
    oauth: { sub: ['mcp-agent'] },
    scaleway: { secret_key: 'env:AGENTS_SCW_KEY' },
    planetscale: { service_token_id: 'env:AGENTS_PS_ID', service_token: 'env:AGENTS_PS_TOKEN' },
  }],
};
const ALL_SCOPES = SCOPES.join(' ');
const READ_ONLY_TOOLS = SEED_TOOLS.filter(([, readOnly]) => readOnly).map(([name]) => name).sort();
const PROTOCOL_VERSION = '2025-11-25';
const JSON_AND_SSE = 'application/json, text/event-stream';
// RFC 6750 §3: error_description is limited to these characters.
const DESCRIPTION_CHARS = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;

async function startSandbox() {
  const child = spawn(BINARY, ['sandbox', '--listen', '127.0.0.1:0'], {
    env: cleanEnv(CREDENTIALS),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk) => {
    log = (log + chunk.toString()).slice(-20000);
  });
  let url;
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`sandbox exited with ${child.exitCode}:\n${log}`);
    url = log.match(/at (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    return url !== undefined;
  }, 'the sandbox to listen');
  return {
    url,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      return code;
    },
  };
}

// ---- fixtures shared by the file: one issuer, one upstream, one principals file, one server.
let issuer;
let sandbox;
let workDir;
let principalsFile;
let server;

function serverEnv() {
  return cleanEnv({
    // The principal's credentials, under the names the principals file points at; the
    // server's own SCW_SECRET_KEY / PLANETSCALE_SERVICE_TOKEN* are deliberately not set.
    AGENTS_SCW_KEY: CREDENTIALS.SCW_SECRET_KEY,
    AGENTS_PS_ID: CREDENTIALS.PLANETSCALE_SERVICE_TOKEN_ID,
    AGENTS_PS_TOKEN: CREDENTIALS.PLANETSCALE_SERVICE_TOKEN,
    SCALEWAY_API_URL: sandbox.url,
    PLANETSCALE_API_URL: sandbox.url,
    SCW_DEFAULT_REGION: DEMO.region,
    SCW_DEFAULT_PROJECT_ID: DEMO.projectId,
    PLANETSCALE_ORG: DEMO.organization,
  });
}

function startOAuthServer(issuerUrl, extraArgs = []) {
  return startHttp(
    ['--principals', principalsFile, '--oauth-issuer', issuerUrl, '--log-level', 'debug', ...extraArgs],
    serverEnv(),
  );
}

async function stopServer(running) {
  const code = await running.stop();
  assert.equal(code, 0, `server log:\n${running.log()}`);
}

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'oauth-e2e-'));
  principalsFile = join(workDir, 'principals.json');
  writeFileSync(principalsFile, JSON.stringify(PRINCIPALS, null, 2));
  issuer = await startIssuer();
  sandbox = await startSandbox();
  server = await startOAuthServer(issuer.issuer);
});

after(async () => {
  try {
    if (server) await stopServer(server);
  } finally {
    await sandbox?.stop();
    await issuer?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }
});

// ---- helpers

const origin = (url) => new URL(url).origin;
const metadataUrl = (mcpUrl) => `${origin(mcpUrl)}/.well-known/oauth-protected-resource/mcp`;
const scopeSet = (value) => (value ?? '').split(' ').filter(Boolean).sort();
const nowSeconds = () => Math.floor(Date.now() / 1000);

// One challenge `scheme auth-param *( "," auth-param )` (RFC 9110 §11.2), values as token or
// quoted-string with backslash escapes. Parameter names are case-insensitive; duplicates are
// an error (RFC 6750 §3: each attribute MUST NOT appear more than once).
function parseChallenge(header) {
  assert.ok(header, 'a WWW-Authenticate header');
  const tokenChars = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
  const schemeMatch = new RegExp(`^\\s*(${tokenChars})(?:\\s+|$)`).exec(header);
  assert.ok(schemeMatch, `no auth-scheme in ${header}`);
  const params = {};
  const param = new RegExp(`^\\s*(${tokenChars})\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|(${tokenChars}))\\s*(,|$)`);
  let rest = header.slice(schemeMatch[0].length);
  while (rest.trim() !== '') {
    const match = param.exec(rest);
    assert.ok(match, `malformed auth-param at ${JSON.stringify(rest)} in ${header}`);
    const name = match[1].toLowerCase();
    assert.ok(!(name in params), `${name} appears twice in ${header}`);
    params[name] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3];
    rest = rest.slice(match[0].length);
    if (match[4] === '' && rest.trim() !== '') assert.fail(`text after the last parameter in ${header}`);
  }
  return { scheme: schemeMatch[1], params };
}

// Data of each event of a text/event-stream body.
function sseData(text) {
  const data = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/).filter((line) => line.startsWith('data:'));
    if (lines.length) data.push(lines.map((line) => line.slice(5).replace(/^ /, '')).join('\n'));
  }
  return data;
}

// POSTs one JSON-RPC message to the MCP endpoint as a 2025-11-25 client would; the answer's
// JSON-RPC body is taken from JSON or from the SSE stream (the message answering `id`).
async function post(url, message, { token, session, headers = {} } = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: JSON_AND_SSE,
      'mcp-protocol-version': PROTOCOL_VERSION,
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...(session ? { 'mcp-session-id': session } : {}),
      ...headers,
    },
    body: JSON.stringify(message),
  });
  const text = await response.text();
  let body;
  if (text !== '') {
    if (response.headers.get('content-type')?.includes('text/event-stream')) {
      const messages = sseData(text).map((data) => JSON.parse(data));
      body = messages.find((m) => m.id === message.id && ('result' in m || 'error' in m)) ?? messages.at(-1);
    } else {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
  }
  return { status: response.status, headers: response.headers, body, text };
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'oauth-e2e', version: '1.0.0' } },
};

// initialize + notifications/initialized; resolves with the session id.
async function openSession(url, token) {
  const answer = await post(url, INITIALIZE, { token });
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.body.result.serverInfo.name, 'credentials-mcp');
  const session = answer.headers.get('mcp-session-id');
  assert.ok(session, 'a stateful server names the session');
  const initialized = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { token, session });
  assert.equal(initialized.status, 202, initialized.text);
  return session;
}

let nextId = 100;
const callTool = (url, token, session, name, args = {}) => post(
  url, { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name, arguments: args } }, { token, session },
);
const listTools = (url, token, session) => post(url, { jsonrpc: '2.0', id: nextId++, method: 'tools/list' }, { token, session });

// The JSON-RPC error body every refusal before dispatch carries.
function checkRefusalBody(answer) {
  assert.equal(answer.headers.get('content-type')?.split(';')[0].trim(), 'application/json', answer.text);
  assert.equal(answer.body.jsonrpc, '2.0', answer.text);
  assert.equal(answer.body.id, null, answer.text);
  assert.equal(answer.body.error.code, -32000, answer.text);
  assert.equal(typeof answer.body.error.message, 'string', answer.text);
  assert.ok(answer.body.error.message.length > 0, answer.text);
  assert.equal(answer.body.result, undefined);
}

// A 401 from `mcpUrl`: the Bearer challenge naming the metadata URL and the three scopes, with
// error="invalid_token" and a description when a token was sent.
function check401(answer, mcpUrl, { invalidToken }) {
  assert.equal(answer.status, 401, `expected 401, got ${answer.status}: ${answer.text}`);
  const header = answer.headers.get('www-authenticate');
  const { scheme, params } = parseChallenge(header);
  assert.equal(scheme.toLowerCase(), 'bearer', header);
  assert.equal(params.resource_metadata, metadataUrl(mcpUrl), header);
  assert.deepEqual(scopeSet(params.scope), [...SCOPES].sort(), header);
  if (invalidToken) {
    assert.equal(params.error, 'invalid_token', header);
    assert.match(params.error_description ?? '', DESCRIPTION_CHARS, header);
  } else {
    // RFC 6750 §3.1: no error code when the request carried no authentication at all.
    assert.equal(params.error, undefined, header);
    assert.equal(params.error_description, undefined, header);
  }
  // The official client reads the same values out of it.
  const sdk = extractWWWAuthenticateParams({ headers: answer.headers });
  assert.equal(sdk.resourceMetadataUrl?.href, metadataUrl(mcpUrl));
  assert.equal(sdk.scope, params.scope);
  checkRefusalBody(answer);
  return params;
}

// `scope` names the scope the call needs together with those the token already has, so that a
// client asking again for exactly that set keeps what it had (as github-mcp-server does).
function check403InsufficientScope(answer, mcpUrl, expectedScopes) {
  assert.equal(answer.status, 403, `expected 403, got ${answer.status}: ${answer.text}`);
  const header = answer.headers.get('www-authenticate');
  const { scheme, params } = parseChallenge(header);
  assert.equal(scheme.toLowerCase(), 'bearer', header);
  assert.equal(params.error, 'insufficient_scope', header);
  assert.deepEqual(scopeSet(params.scope), [...expectedScopes].sort(), header);
  assert.equal(params.resource_metadata, metadataUrl(mcpUrl), header);
  assert.match(params.error_description ?? '', DESCRIPTION_CHARS, header);
  const sdk = extractWWWAuthenticateParams({ headers: answer.headers });
  assert.equal(sdk.error, 'insufficient_scope');
  assert.equal(sdk.scope, params.scope);
  assert.equal(answer.body?.jsonrpc, '2.0', answer.text);
  assert.equal(typeof answer.body.error?.code, 'number', answer.text);
  assert.equal(answer.body.result, undefined, answer.text);
}

function assertOk(result, name) {
  assert.ok(!result.isError, `${name} failed: ${result.content?.[0]?.text}`);
  return result.structuredContent;
}

// What every crafted token starts from: the claims oidc-provider puts in a client-credentials
// JWT access token for `mcp-agent`, valid for the shared server.
function agentClaims(overrides = {}) {
  const now = nowSeconds();
  return {
    jti: randomUUID(),
    sub: 'mcp-agent',
    client_id: 'mcp-agent',
    iss: issuer.issuer,
    aud: server.url,
    scope: ALL_SCOPES,
    iat: now,
    exp: now + 600,
    ...overrides,
  };
}

// ---- Protected Resource Metadata and the challenge

test('protected resource metadata: both well-known URLs, field by field, no token needed', async () => {
  for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
    const response = await fetch(`${origin(server.url)}${path}`);
    const text = await response.text();
    assert.equal(response.status, 200, `${path}: ${text}`);
    assert.equal(response.headers.get('content-type')?.split(';')[0].trim(), 'application/json', path);
    const document = JSON.parse(text);
    assert.equal(document.resource, server.url, path);
    assert.deepEqual(document.authorization_servers, [issuer.issuer], path);
    assert.deepEqual([...document.scopes_supported].sort(), [...SCOPES].sort(), path);
    assert.equal(new Set(document.scopes_supported).size, document.scopes_supported.length, path);
    assert.deepEqual(document.bearer_methods_supported, ['header'], path);
    assert.equal(document.resource_name, 'credentials-mcp', path);
  }
  // The official client's RFC 9728 discovery, from the MCP URL alone, finds the same document.
  const discovered = await discoverOAuthProtectedResourceMetadata(server.url);
  assert.equal(discovered.resource, server.url);
  assert.deepEqual(discovered.authorization_servers, [issuer.issuer]);
});

test('no token: 401 with a Bearer challenge pointing at the metadata, JSON-RPC error body', async () => {
  check401(await post(server.url, INITIALIZE), server.url, { invalidToken: false });
  // Any request to the endpoint, not only POST.
  const get = await fetch(server.url, { headers: { accept: 'text/event-stream', 'mcp-protocol-version': PROTOCOL_VERSION } });
  const getText = await get.text();
  assert.equal(get.status, 401, getText);
  const { params } = parseChallenge(get.headers.get('www-authenticate'));
  assert.equal(params.resource_metadata, metadataUrl(server.url));
  // Another scheme is no bearer token either.
  const basic = await post(server.url, INITIALIZE, {
    headers: { authorization: `Basic ${Buffer.from('mcp-agent:x').toString('base64')}` },
  });
  assert.equal(basic.status, 401, basic.text);
  // The health endpoints stay open.
  assert.equal((await fetch(`${origin(server.url)}/healthz`)).status, 200);
});

// ---- the official SDK clients with a real token

test('SDK v1 client, all three scopes: 23 tools, read, write and delete calls', async () => {
  const token = await issuer.token({ scope: ALL_SCOPES, resource: server.url });
  const header = decodeProtectedHeader(token);
  assert.equal(header.typ, 'at+jwt');
  assert.equal(decodeJwt(token).aud, server.url);

  const client = new Client({ name: 'oauth-e2e-v1', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(server.url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    assert.equal(tools.length, 23);
    const live = assertOk(await client.callTool({ name: 'list-secrets', arguments: {} }), 'list-secrets');
    assert.ok(live.secrets.some((secret) => secret.id === DEMO.secretId));
    // PlanetScale too: the principal's service token reaches the simulator.
    const serviceTokens = assertOk(await client.callTool({ name: 'list-service-tokens', arguments: {} }), 'list-service-tokens');
    assert.ok(serviceTokens.data.length >= 1);
    const created = assertOk(await client.callTool({
      name: 'create-secret', arguments: { name: `oauth-v1-${Date.now()}`, description: 'made by oauth-e2e' },
    }), 'create-secret');
    assert.equal(created.project_id, DEMO.projectId);
    const removed = assertOk(await client.callTool({ name: 'delete-secret', arguments: { secret_id: created.id } }), 'delete-secret');
    assert.equal(removed.secret_id, created.id);
  } finally {
    await client.close();
  }
  // Without a token the same client cannot connect.
  const anonymous = new Client({ name: 'oauth-e2e-v1', version: '1.0.0' });
  await assert.rejects(anonymous.connect(new StreamableHTTPClientTransport(new URL(server.url))),
    (error) => error.code === 401 || /401|Unauthorized/i.test(error.message));
});

for (const [mode, negotiation] of [['legacy', { mode: 'legacy' }], ['auto', { mode: 'auto' }]]) {
  test(`SDK v2 client (${mode}), all three scopes: 23 tools, read and write calls`, async () => {
    const token = await issuer.token({ scope: ALL_SCOPES, resource: server.url });
    const client = new ClientV2({ name: 'oauth-e2e-v2', version: '1.0.0' }, { versionNegotiation: negotiation });
    await client.connect(new StreamableHTTPClientTransportV2(new URL(server.url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }));
    try {
      assert.equal(client.getServerVersion()?.name, 'credentials-mcp');
      const { tools } = await client.listTools();
      assert.equal(tools.length, 23);
      const live = assertOk(await client.callTool({ name: 'list-secrets', arguments: {} }), 'list-secrets');
      assert.ok(live.secrets.some((secret) => secret.id === DEMO.secretId));
      const created = assertOk(await client.callTool({
        name: 'create-secret', arguments: { name: `oauth-v2-${mode}-${Date.now()}` },
      }), 'create-secret');
      assert.equal(created.project_id, DEMO.projectId);
    } finally {
      await client.close();
    }
  });
}

test('SDK clients discover the issuer from the 401 and fetch their own token (client credentials)', async () => {
  const before = issuer.requests.filter((path) => path === '/token').length;
  // v1
  {
    const client = new Client({ name: 'oauth-e2e-discovery-v1', version: '1.0.0' });
    // The SDK sends the provider's configured scope in a client-credentials request (not the
    // challenge's), and oidc-provider grants none unless asked.
    const authProvider = new ClientCredentialsProvider({
      clientId: 'mcp-agent', clientSecret: CLIENTS['mcp-agent'], expectedIssuer: issuer.issuer, scope: ALL_SCOPES,
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { authProvider }));
    try {
      assert.equal((await client.listTools()).tools.length, 23);
      assertOk(await client.callTool({ name: 'list-secrets', arguments: {} }), 'list-secrets');
      const token = authProvider.tokens()?.access_token;
      assert.ok(token, 'the provider holds the token it fetched');
      assert.equal(decodeJwt(token).aud, server.url, 'the client asked for the MCP URL as its resource');
      assert.deepEqual(scopeSet(decodeJwt(token).scope), [...SCOPES].sort());
    } finally {
      await client.close();
    }
  }
  // v2
  {
    const client = new ClientV2({ name: 'oauth-e2e-discovery-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    const authProvider = new ClientCredentialsProviderV2({
      clientId: 'mcp-agent', clientSecret: CLIENTS['mcp-agent'], expectedIssuer: issuer.issuer, scope: ALL_SCOPES,
    });
    await client.connect(new StreamableHTTPClientTransportV2(new URL(server.url), { authProvider }));
    try {
      assert.equal((await client.listTools()).tools.length, 23);
      assertOk(await client.callTool({ name: 'list-secrets', arguments: {} }), 'list-secrets');
    } finally {
      await client.close();
    }
  }
  assert.ok(issuer.requests.filter((path) => path === '/token').length >= before + 2, 'each client went to the token endpoint');
});

// ---- scopes

test('read-only token: tools/list holds only read-only tools, writes and deletes are 403 insufficient_scope', async () => {
  const token = await issuer.token({ scope: 'credentials:read', resource: server.url });
  assert.equal(decodeJwt(token).scope, 'credentials:read');
  const session = await openSession(server.url, token);

  const listed = await listTools(server.url, token, session);
  assert.equal(listed.status, 200, listed.text);
  const { tools } = listed.body.result;
  assert.ok(tools.every((tool) => tool.annotations?.readOnlyHint === true), tools.map((tool) => tool.name).join(', '));
  assert.deepEqual(tools.map((tool) => tool.name).sort(), READ_ONLY_TOOLS);

  const read = await callTool(server.url, token, session, 'list-secrets');
  assert.equal(read.status, 200, read.text);
  assert.ok(!read.body.result.isError, read.text);

  check403InsufficientScope(await callTool(server.url, token, session, 'create-secret', { name: 'refused' }), server.url, ['credentials:read', 'credentials:write']);
  check403InsufficientScope(await callTool(server.url, token, session, 'delete-secret', { secret_id: DEMO.secretId }), server.url, ['credentials:read', 'credentials:delete']);
  // Nothing was created or deleted.
  const after = await callTool(server.url, token, session, 'list-secrets');
  const names = after.body.result.structuredContent.secrets.map((secret) => secret.name);
  assert.ok(!names.includes('refused'));
  assert.ok(after.body.result.structuredContent.secrets.some((secret) => secret.id === DEMO.secretId));
});

test('write token without delete: writes pass, destructive tools are 403 for credentials:delete', async () => {
  const token = await issuer.token({ scope: 'credentials:read credentials:write', resource: server.url });
  const session = await openSession(server.url, token);
  const listed = await listTools(server.url, token, session);
  const names = listed.body.result.tools.map((tool) => tool.name).sort();
  const expected = SEED_TOOLS.filter(([, , destructive]) => !destructive).map(([name]) => name).sort();
  assert.deepEqual(names, expected);
  const created = await callTool(server.url, token, session, 'create-secret', { name: `oauth-rw-${Date.now()}` });
  assert.equal(created.status, 200, created.text);
  assert.ok(!created.body.result.isError, created.text);
  check403InsufficientScope(
    await callTool(server.url, token, session, 'delete-secret', { secret_id: created.body.result.structuredContent.id }),
    server.url, SCOPES,
  );
});

// ---- invalid tokens

// Each returns a token with exactly one defect; everything else is as the issuer would sign it.
const BAD_TOKENS = [
  ['wrong audience (issued by oidc-provider for another resource)',
    () => issuer.token({ scope: ALL_SCOPES, resource: 'http://127.0.0.1:1/other-mcp' })],
  ['wrong audience (the server origin without /mcp)',
    () => issuer.sign(agentClaims({ aud: origin(server.url) }))],
  ['no audience', () => issuer.sign(agentClaims({ aud: undefined }))],
  ['wrong issuer', () => issuer.sign(agentClaims({ iss: 'http://127.0.0.1:1' }))],
  ['issuer with a trailing slash', () => issuer.sign(agentClaims({ iss: `${issuer.issuer}/` }))],
  ['expired an hour ago', () => issuer.sign(agentClaims({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }))],
  ['not valid before an hour from now', () => issuer.sign(agentClaims({ nbf: nowSeconds() + 3600 }))],
  ['no expiry', () => issuer.sign(agentClaims({ exp: undefined }))],
  ['alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: issuer.kid }));
    const payload = base64url.encode(JSON.stringify(agentClaims()));
    return `${header}.${payload}.`;
  }],
  ['HS256 with the issuer public key (PEM) as HMAC secret', () => new SignJWT(agentClaims())
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: issuer.kid })
    .sign(new TextEncoder().encode(issuer.publicKeyPem))],
  ['HS256 with the issuer public key (JWK JSON) as HMAC secret', () => new SignJWT(agentClaims())
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: issuer.kid })
    .sign(new TextEncoder().encode(JSON.stringify(issuer.jwks.keys[0])))],
  ['tampered payload (read-only token widened to all scopes, signature kept)', async () => {
    const real = await issuer.token({ scope: 'credentials:read', resource: server.url });
    const [header, payload, signature] = real.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload)));
    assert.equal(claims.scope, 'credentials:read');
    claims.scope = ALL_SCOPES;
    return [header, base64url.encode(JSON.stringify(claims)), signature].join('.');
  }],
  ['signature cut off', async () => {
    const real = await issuer.token({ scope: ALL_SCOPES, resource: server.url });
    return real.slice(0, real.lastIndexOf('.') + 1);
  }],
  ['unknown kid (a key the issuer never published)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    return new SignJWT(agentClaims()).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: `unknown-${randomUUID()}` }).sign(privateKey);
  }],
  ["another key under the issuer's kid", async () => {
    const { privateKey } = await generateKeyPair('RS256');
    return new SignJWT(agentClaims()).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: issuer.kid }).sign(privateKey);
  }],
  ['not a JWT', async () => 'not-a-jwt'],
];

test('control: a token crafted like the bad ones but without a defect is accepted', async () => {
  // Proves the crafted tokens below fail for their one defect, not for how they are made.
  const token = await issuer.sign(agentClaims());
  const header = decodeProtectedHeader(token);
  assert.deepEqual(header, { alg: 'RS256', typ: 'at+jwt', kid: issuer.kid });
  assert.ok(issuer.jwks.keys.some((key) => key.kid === header.kid));
  const answer = await post(server.url, INITIALIZE, { token });
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.body.result.serverInfo.name, 'credentials-mcp');
});

for (const [name, make] of BAD_TOKENS) {
  test(`bad token, ${name}: 401 invalid_token`, async () => {
    const token = await make();
    const answer = await post(server.url, INITIALIZE, { token });
    check401(answer, server.url, { invalidToken: true });
    // The server keeps no session for a refused request.
    assert.equal(answer.headers.get('mcp-session-id'), null);
  });
}

test('a session opened with a valid token does not let a bad token in', async () => {
  const good = await issuer.token({ scope: ALL_SCOPES, resource: server.url });
  const session = await openSession(server.url, good);
  const expired = await issuer.sign(agentClaims({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }));
  check401(await listTools(server.url, expired, session), server.url, { invalidToken: true });
  check401(await listTools(server.url, undefined, session), server.url, { invalidToken: false });
  const again = await listTools(server.url, good, session);
  assert.equal(again.status, 200, again.text);
});

// ---- principals

test('a valid token that no principal matches: 403', async () => {
  const token = await issuer.token({ clientId: 'stranger', scope: ALL_SCOPES, resource: server.url });
  const claims = decodeJwt(token);
  assert.equal(claims.sub, 'stranger');
  assert.equal(claims.aud, server.url);
  const answer = await post(server.url, INITIALIZE, { token });
  assert.equal(answer.status, 403, answer.text);
  assert.equal(answer.body?.jsonrpc, '2.0', answer.text);
  assert.equal(typeof answer.body.error?.code, 'number', answer.text);
  assert.equal(answer.headers.get('mcp-session-id'), null);
});

// ---- issuer discovery, key cache, configuration

test('discovery falls back to openid-configuration; JWKS fetched on the first token, cached, refetch rate-limited', async () => {
  const openidOnly = await startIssuer({ openidConfigurationOnly: true });
  let running;
  try {
    running = await startOAuthServer(openidOnly.issuer);
    await sleep(300);
    assert.equal(openidOnly.jwksFetches(), 0, `no key fetched before the first token: ${openidOnly.requests}`);

    const token = await openidOnly.token({ scope: 'credentials:read', resource: running.url });
    const session = await openSession(running.url, token);
    assert.ok(openidOnly.requests.includes('/.well-known/openid-configuration'), `${openidOnly.requests}`);
    assert.equal(openidOnly.jwksFetches(), 1, `${openidOnly.requests}`);
    const listed = await listTools(running.url, token, session);
    assert.equal(listed.status, 200, listed.text);
    assert.equal(openidOnly.jwksFetches(), 1, 'the keys are cached');

    // Unknown kids: a refetch at most once per cooldown, whatever the number of such tokens.
    for (let i = 0; i < 3; i += 1) {
      const { privateKey } = await generateKeyPair('RS256');
      const stray = await new SignJWT({ ...agentClaims({ iss: openidOnly.issuer, aud: running.url }) })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: `stray-${i}` })
        .sign(privateKey);
      check401(await post(running.url, INITIALIZE, { token: stray }), running.url, { invalidToken: true });
    }
    assert.ok(openidOnly.jwksFetches() <= 2, `JWKS fetched ${openidOnly.jwksFetches()} times: ${openidOnly.requests}`);
    // The token for the shared server's audience is refused here (each server is its own resource).
    const elsewhere = await openidOnly.token({ scope: ALL_SCOPES, resource: server.url });
    check401(await post(running.url, INITIALIZE, { token: elsewhere }), running.url, { invalidToken: true });
    assert.ok(!running.log().includes(token), 'tokens are never logged');
  } finally {
    if (running) await stopServer(running);
    await openidOnly.stop();
  }
});

test('--oauth-resource sets the audience and the metadata', async () => {
  const resource = 'https://credentials.example.test/mcp';
  const running = await startOAuthServer(issuer.issuer, ['--oauth-resource', resource]);
  try {
    const prm = await (await fetch(`${origin(running.url)}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.equal(prm.resource, resource);
    assert.deepEqual(prm.authorization_servers, [issuer.issuer]);
    const good = await issuer.token({ scope: 'credentials:read', resource });
    const answer = await post(running.url, INITIALIZE, { token: good });
    assert.equal(answer.status, 200, answer.text);
    // The listening URL is not the resource any more.
    const local = await issuer.token({ scope: 'credentials:read', resource: running.url });
    const refused = await post(running.url, INITIALIZE, { token: local });
    assert.equal(refused.status, 401, refused.text);
    assert.equal(parseChallenge(refused.headers.get('www-authenticate')).params.error, 'invalid_token');
  } finally {
    await stopServer(running);
  }
});

test('an http:// issuer that is not loopback is a configuration error', async () => {
  const child = spawn(BINARY, ['http', '--listen', '127.0.0.1:0', '--principals', principalsFile,
    '--oauth-issuer', 'http://auth.example.test'], { env: serverEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => { log += chunk; });
  const exited = once(child, 'exit');
  const outcome = await Promise.race([exited.then(([code]) => code), sleep(10000).then(() => 'running')]);
  if (outcome === 'running') {
    child.kill('SIGTERM');
    await exited;
    assert.fail(`the server started with a plain-http remote issuer:\n${log}`);
  }
  assert.equal(outcome, 2, log);
  assert.match(log, /oauth-issuer|https/i);
});

test('issuer unreachable, no keys cached: 503 with Retry-After, the server stays up', async () => {
  const deadIssuer = `http://127.0.0.1:${await freePort()}`;
  const running = await startOAuthServer(deadIssuer);
  try {
    // Signed with a real key; the server cannot know, having no keys.
    const token = await issuer.sign(agentClaims({ iss: deadIssuer, aud: running.url }));
    for (let i = 0; i < 2; i += 1) {
      const answer = await post(running.url, INITIALIZE, { token });
      assert.equal(answer.status, 503, `${answer.status}: ${answer.text}\n${running.log()}`);
      const retryAfter = answer.headers.get('retry-after');
      assert.ok(retryAfter, 'Retry-After');
      assert.ok(/^\d+$/.test(retryAfter) ? Number(retryAfter) > 0 : !Number.isNaN(Date.parse(retryAfter)), retryAfter);
      assert.equal(answer.body?.jsonrpc, '2.0', answer.text);
      assert.equal(answer.body.id, null, answer.text);
      assert.equal(typeof answer.body.error?.code, 'number', answer.text);
      assert.equal(answer.headers.get('mcp-session-id'), null);
    }
    // No token needs no keys: still the 401 challenge.
    check401(await post(running.url, INITIALIZE), running.url, { invalidToken: false });
    assert.equal((await fetch(`${origin(running.url)}/healthz`)).status, 200);
    assert.equal(running.child.exitCode, null, 'still running');
  } finally {
    await stopServer(running);
  }
});

test('the shared server never logged a token or a credential', () => {
  const log = server.log();
  assert.ok(log.length > 0);
  for (const value of Object.values(CREDENTIALS)) {
    assert.ok(!log.includes(value), 'a credential leaked into the log');
  }
  assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./.test(log), 'a JWT leaked into the log');
});

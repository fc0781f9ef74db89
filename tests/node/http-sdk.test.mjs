// Issue 4: the official SDK client lists and calls tools over Streamable HTTP, in stateful and
// stateless mode; bearer auth; the non-loopback guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { DEMO } from './lib/demo.mjs';
import { BINARY, cleanEnv, startHttp } from './lib/server.mjs';

async function connect(url, headers = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: 'http-sdk-test', version: '1' });
  await client.connect(transport);
  return { client, transport };
}

test('stateful: session id, tools, progress over SSE, DELETE ends the session', async () => {
  const server = await startHttp(['--sandbox']);
  try {
    const { client, transport } = await connect(server.url);
    assert.match(transport.sessionId, /^[\x21-\x7e]{32,}$/);
    const { tools } = await client.listTools();
    assert.equal(tools.length, 23);
    const progress = [];
    const result = await client.callTool(
      { name: 'list-jwts', arguments: { audience_id: DEMO.userId } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    assert.ok(!result.isError, result.content[0].text);
    assert.ok(result.structuredContent.jwts.length >= 1);
    assert.ok(progress.length >= 2, `progress notifications arrived over SSE: ${progress}`);
    assert.deepEqual([...progress].sort((a, b) => a - b), progress);
    const invalid = await client.callTool({ name: 'get-token', arguments: { token_id: 'nope' } });
    assert.equal(invalid.isError, true);
    await client.ping();

    const sessionId = transport.sessionId;
    await transport.terminateSession();
    const after = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    assert.equal(after.status, 404);
    await client.close();
  } finally {
    { const code = await server.stop(); assert.equal(code, 0, `server log:\n${server.log()}`); }
  }
});

test('stateless: no session id, every request self-contained', async () => {
  const server = await startHttp(['--sandbox', '--stateless']);
  try {
    const { client, transport } = await connect(server.url);
    assert.equal(transport.sessionId, undefined);
    const { tools } = await client.listTools();
    assert.equal(tools.length, 23);
    const result = await client.callTool({ name: 'list-service-tokens', arguments: {} });
    assert.ok(!result.isError, result.content[0].text);
    assert.ok(result.structuredContent.data.length >= 2);
    // A load balancer may send the next request to a replica that never saw initialize.
    const bareCall = (headers) => fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get-token', arguments: { token_id: DEMO.tokenId } } }),
    });
    const modern = await bareCall({ 'mcp-protocol-version': '2025-11-25' });
    assert.equal(modern.status, 200);
    assert.equal(modern.headers.get('mcp-session-id'), null);
    assert.equal((await modern.json()).result.structuredContent.id, DEMO.tokenId);
    // No version header: the spec says assume 2025-03-26, which has no structuredContent.
    const legacy = await (await bareCall({})).json();
    assert.equal(legacy.result.structuredContent, undefined);
    assert.equal(JSON.parse(legacy.result.content[0].text).id, DEMO.tokenId);
    const get = await fetch(server.url, { headers: { accept: 'text/event-stream' } });
    assert.equal(get.status, 405);
    await client.close();
  } finally {
    { const code = await server.stop(); assert.equal(code, 0, `server log:\n${server.log()}`); }
  }
});

test('bearer tokens: rotation set accepted, anything else is 401', async () => {
  const server = await startHttp(['--sandbox'], cleanEnv({ CREDENTIALS_MCP_AUTH_TOKENS: 'old-token-1,new-token-2' }));
  try {
    for (const token of ['old-token-1', 'new-token-2']) {
      const { client } = await connect(server.url, { Authorization: `Bearer ${token}` });
      assert.equal((await client.listTools()).tools.length, 23);
      await client.close();
    }
    await assert.rejects(connect(server.url), /401|Unauthorized/i);
    await assert.rejects(connect(server.url, { Authorization: 'Bearer wrong' }), /401|Unauthorized/i);
    const health = await fetch(server.url.replace('/mcp', '/healthz'));
    assert.equal(health.status, 200);
    assert.ok(!server.log().includes('new-token-2'), 'tokens are never logged');
  } finally {
    { const code = await server.stop(); assert.equal(code, 0, `server log:\n${server.log()}`); }
  }
});

test('a non-loopback address needs auth or an explicit opt-out', async () => {
  const refused = spawn(BINARY, ['http', '--listen', '0.0.0.0:0'], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  refused.stderr.on('data', (chunk) => { log += chunk; });
  const [code] = await once(refused, 'exit');
  assert.equal(code, 2);
  assert.match(log, /CREDENTIALS_MCP_AUTH_TOKENS|--allow-unauthenticated/);

  const allowed = spawn(BINARY, ['http', '--listen', '0.0.0.0:0', '--allow-unauthenticated'], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let warning = '';
  // SIGTERM only once the server says it listens: a fixed sleep lost the race on a loaded CI
  // machine and killed the process before its signal handler was installed.
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${warning}`)), 15000);
    allowed.stderr.on('data', (chunk) => {
      warning += chunk;
      if (/listening on http:/.test(warning)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  allowed.kill('SIGTERM');
  const [allowedCode] = await once(allowed, 'exit');
  assert.equal(allowedCode, 0);
  assert.match(warning, /WITHOUT authentication/);
});

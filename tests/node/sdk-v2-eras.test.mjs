// Issue 16: the official SDK v2 client (@modelcontextprotocol/client 2.4.0) in each of its
// version-negotiation modes (legacy; auto, which must now choose 2026-07-28; a pin on
// 2026-07-28) over stdio and over Streamable HTTP (stateful and --stateless), calling all 23
// tools against the sandbox in each (lib/all-tools.mjs), plus what the modern era adds:
// server/discover, progress, cancellation by closing the request, narrowing headers per request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { exerciseAllTools } from './lib/all-tools.mjs';
import { DEMO } from './lib/demo.mjs';
import { BINARY, cleanEnv, startHttp } from './lib/server.mjs';

const MODES = [
  ['legacy', { mode: 'legacy' }, 'legacy', '2025-11-25'],
  ['auto', { mode: 'auto' }, 'modern', '2026-07-28'],
  ['pin 2026-07-28', { mode: { pin: '2026-07-28' } }, 'modern', '2026-07-28'],
];
const isProtocolError = (error) => error instanceof ProtocolError;

function newClient(versionNegotiation) {
  return new Client({ name: 'sdk-v2-eras', version: '1' }, { versionNegotiation });
}

async function checkConnection(client, era, version) {
  assert.equal(client.getProtocolEra(), era);
  assert.equal(client.getNegotiatedProtocolVersion(), version);
  assert.equal(client.getServerVersion()?.name, 'credentials-mcp');
  if (era === 'modern') {
    const discovered = client.getDiscoverResult();
    assert.ok(discovered.supportedVersions.includes('2026-07-28'));
    assert.ok(discovered.supportedVersions.includes('2025-11-25'), 'both eras are advertised');
  }
}

for (const [name, negotiation, era, version] of MODES) {
  test(`stdio, ${name}: all 23 tools`, async () => {
    const client = newClient(negotiation);
    await client.connect(new StdioClientTransport({
      command: BINARY, args: ['stdio', '--sandbox'], env: cleanEnv(), stderr: 'ignore',
    }));
    try {
      await checkConnection(client, era, version);
      await exerciseAllTools(client, { isProtocolError });
    } finally {
      await client.close();
    }
  });

  for (const stateless of [false, true]) {
    test(`HTTP ${stateless ? 'stateless' : 'stateful'}, ${name}: all 23 tools`, async () => {
      const server = await startHttp(['--sandbox', ...(stateless ? ['--stateless'] : [])]);
      const client = newClient(negotiation);
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
        await checkConnection(client, era, version);
        await exerciseAllTools(client, { isProtocolError });
        await client.close();
      } finally {
        const code = await server.stop();
        assert.equal(code, 0, server.log());
      }
    });
  }
}

test('modern over HTTP: progress, narrowing per request, bearer tokens, metrics by era', async () => {
  const server = await startHttp(['--sandbox', '--stateless'], cleanEnv({ CREDENTIALS_MCP_AUTH_TOKENS: 'v2-token' }));
  try {
    const narrowed = newClient({ mode: { pin: '2026-07-28' } });
    await narrowed.connect(new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers: { Authorization: 'Bearer v2-token', 'X-MCP-Readonly': 'true' } },
    }));
    const { tools } = await narrowed.listTools();
    assert.equal(tools.length, 9);
    assert.ok(tools.every((tool) => tool.annotations.readOnlyHint));
    const progress = [];
    const result = await narrowed.callTool(
      { name: 'list-jwts', arguments: { audience_id: DEMO.userId } },
      { onprogress: (update) => progress.push(update.progress) },
    );
    assert.ok(!result.isError, result.content[0].text);
    assert.ok(progress.length >= 2, `progress over the request's own stream: ${progress}`);
    await assert.rejects(narrowed.callTool({ name: 'delete-jwt', arguments: { jti: 'x' } }),
      (error) => isProtocolError(error) && error.code === -32602);
    await narrowed.close();

    const metrics = await (await fetch(new URL('/metrics', server.url))).text();
    assert.match(metrics, /mcp_tool_calls_total\{tool="list-jwts",outcome="ok",era="modern"\} 1/);
  } finally {
    assert.equal(await server.stop(), 0, server.log());
  }
});

test('modern over HTTP: a client that gives up on a call cancels it upstream', async () => {
  const server = await startHttp(['--sandbox', '--log-level', 'debug']);
  try {
    const client = newClient({ mode: 'auto' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    assert.equal(client.getProtocolEra(), 'modern');
    const controller = new AbortController();
    // The sandbox answers list-service-tokens quickly; cancel at once so that the abort closes
    // the request's connection while the call runs or right after.
    const pending = client.callTool({ name: 'list-service-tokens', arguments: {} }, { signal: controller.signal });
    controller.abort('changed my mind');
    await assert.rejects(pending);
    // The server keeps serving.
    const { tools } = await client.listTools();
    assert.equal(tools.length, 23);
    await client.close();
  } finally {
    assert.equal(await server.stop(), 0, server.log());
  }
});

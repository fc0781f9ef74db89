// Issue 2: the official SDK client launches `credentials-mcp stdio`, initializes, lists exactly
// the 23 tools with names and annotations as in the seeds, and each protocol version negotiates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { SEED_TOOLS } from './lib/seed-tools.mjs';
import { BINARY, cleanEnv, connectStdio } from './lib/server.mjs';

test('the SDK client connects and lists the 23 seed tools with their annotations', async () => {
  const { client } = await connectStdio();
  try {
    const info = client.getServerVersion();
    assert.equal(info.name, 'credentials-mcp');
    assert.ok(info.version);
    assert.ok(client.getServerCapabilities().tools);
    assert.ok(client.getInstructions()?.includes('region'));

    const { tools, nextCursor } = await client.listTools();
    assert.equal(nextCursor, undefined);
    assert.deepEqual(tools.map((t) => t.name).sort(), SEED_TOOLS.map(([name]) => name).sort());
    for (const [name, readOnly, destructive, idempotent] of SEED_TOOLS) {
      const tool = tools.find((t) => t.name === name);
      assert.equal(tool.annotations.readOnlyHint, readOnly, `${name} readOnlyHint`);
      assert.equal(tool.annotations.destructiveHint, destructive, `${name} destructiveHint`);
      assert.equal(tool.annotations.idempotentHint, idempotent, `${name} idempotentHint`);
      assert.equal(tool.annotations.openWorldHint, true, `${name} openWorldHint`);
      assert.ok(tool.title, `${name} title`);
      assert.ok(tool.description.length > 100, `${name} description`);
      assert.equal(tool.inputSchema.type, 'object');
      assert.equal(tool.inputSchema.additionalProperties, false);
      assert.match(name, /^[A-Za-z0-9_-]{1,64}$/);
    }
    await client.ping();
  } finally {
    await client.close();
  }
});

// The SDK client always asks for its latest version, so the other versions are driven through
// the SDK's own stdio transport with hand-written initialize requests.
async function initializeWith(version) {
  const transport = new StdioClientTransport({ command: BINARY, args: ['stdio'], env: cleanEnv(), stderr: 'ignore' });
  const reply = new Promise((resolve, reject) => {
    transport.onmessage = (message) => resolve(message);
    transport.onerror = reject;
  });
  await transport.start();
  await transport.send({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'versions', version: '1' } },
  });
  const message = await reply;
  await transport.close();
  return message;
}

for (const version of ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']) {
  test(`initialize negotiates ${version}`, async () => {
    const message = await initializeWith(version);
    assert.equal(message.id, 0);
    assert.equal(message.result.protocolVersion, version);
  });
}

test('an unknown version gets 2025-11-25', async () => {
  for (const version of ['1999-01-01', '2026-07-28']) {
    const message = await initializeWith(version);
    assert.equal(message.result.protocolVersion, '2025-11-25');
  }
  assert.equal(LATEST_PROTOCOL_VERSION, '2025-11-25');
});

test('tools/list works without any credentials configured, and calls say what to set', async () => {
  const { client } = await connectStdio(['stdio'], cleanEnv());
  try {
    const { tools } = await client.listTools();
    assert.equal(tools.length, 23);
    const result = await client.callTool({ name: 'list-jwts', arguments: { audience_id: '6170692e-7363-616c-6577-61792e636f6d' } });
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /SCW_SECRET_KEY/);
    const planetscale = await client.callTool({ name: 'list-service-tokens', arguments: { organization: 'acme' } });
    assert.equal(planetscale.isError, true);
    assert.match(planetscale.content[0].text, /PLANETSCALE_SERVICE_TOKEN/);
  } finally {
    await client.close();
  }
});

// Issue 3: the official SDK client calls all 23 tools over stdio against --sandbox and gets
// correct results, errors included (lib/all-tools.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { exerciseAllTools } from './lib/all-tools.mjs';
import { connectStdio } from './lib/server.mjs';

test('every tool works against the sandbox through the SDK client', async () => {
  const { client, stderr } = await connectStdio(['stdio', '--sandbox']);
  try {
    await exerciseAllTools(client, { isProtocolError: (error) => error instanceof McpError });
  } finally {
    await client.close();
  }
  assert.ok(!stderr.join('').includes('"jsonrpc"'), 'no MCP traffic on stderr');
});

// mcp.json at the repository root is a ready stdio configuration: launch exactly what it says
// (with ${VAR:-default} expanded the way Claude Code does) and list the tools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BINARY } from './lib/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function expand(value, env) {
  return value.replace(/\$\{([A-Z_]+)(?::-([^}]*))?\}/g, (_, name, fallback) => env[name] ?? fallback ?? '');
}

test('mcp.json launches the server over stdio', async () => {
  const config = JSON.parse(readFileSync(path.join(root, 'mcp.json'), 'utf8'));
  const server = config.mcpServers['credentials-mcp'];
  assert.equal(server.type, 'stdio');
  assert.deepEqual(server.args, ['stdio']);
  assert.equal(server.command, './build/credentials-mcp');
  const env = Object.fromEntries(Object.entries(server.env).map(([k, v]) => [k, expand(v, {})]));
  assert.equal(env.SCW_DEFAULT_REGION, 'fr-par');
  // The test binary may live in another build directory; the arguments and environment are
  // the ones mcp.json gives.
  const transport = new StdioClientTransport({ command: BINARY, args: server.args, env: { PATH: process.env.PATH, ...env }, cwd: root, stderr: 'ignore' });
  const client = new Client({ name: 'mcp-json-test', version: '1' });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    assert.equal(tools.length, 23);
    const listSecrets = tools.find((t) => t.name === 'list-secrets');
    assert.equal(listSecrets.inputSchema.properties.region.default, 'fr-par', 'SCW_DEFAULT_REGION became the advertised default');
    assert.ok(!(listSecrets.inputSchema.required ?? []).includes('region'));
  } finally {
    await client.close();
  }
});

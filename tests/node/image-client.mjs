// The official SDK client against the container image (scripts/image.sh runs it):
//   node image-client.mjs http URL TOKEN      Streamable HTTP with a bearer token
//   node image-client.mjs stdio CMD ARG...    stdio through a command (podman run -i ...)
// Lists the tools and calls one against the image's --sandbox; exits non-zero on any failure.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { DEMO } from './lib/demo.mjs';

const [mode, ...rest] = process.argv.slice(2);
let transport;
if (mode === 'http') {
  const [url, token] = rest;
  transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
} else if (mode === 'stdio') {
  const [command, ...args] = rest;
  transport = new StdioClientTransport({ command, args, stderr: 'inherit' });
} else {
  console.error('usage: image-client.mjs http URL TOKEN | stdio COMMAND [ARG...]');
  process.exit(2);
}

const client = new Client({ name: 'image-check', version: '1' });
await client.connect(transport);
const { tools } = await client.listTools();
if (tools.length !== 23) {
  throw new Error(`expected 23 tools, got ${tools.length}`);
}
const result = await client.callTool({ name: 'get-token', arguments: { token_id: DEMO.tokenId } });
if (result.isError || result.structuredContent?.id !== DEMO.tokenId) {
  throw new Error(`get-token failed: ${JSON.stringify(result)}`);
}
const info = client.getServerVersion();
console.log(`${mode}: ${info.name} ${info.version}, ${tools.length} tools, get-token ok`);
await client.close();

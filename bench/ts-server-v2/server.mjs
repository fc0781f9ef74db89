#!/usr/bin/env node
// The comparison server of bench/ on the official MCP TypeScript SDK v2 (@modelcontextprotocol/server
// 2.4.0): the twin of bench/ts-server (SDK 1.32.2), changed only where the v2 API requires it. It
// serves the same 23 tools from the same tools/*.json and schemas/**/*.json as credentials-mcp
// (with $refs inlined, as credentials-mcp serves them), validates arguments against the input
// schemas (Ajv, compiled once at start-up), and calls the same upstream with fetch: base URLs from
// SCALEWAY_API_URL / PLANETSCALE_API_URL, credentials from SCW_SECRET_KEY and
// PLANETSCALE_SERVICE_TOKEN_ID + PLANETSCALE_SERVICE_TOKEN.
//
// Usage: node server.mjs stdio
//        node server.mjs http --listen 127.0.0.1:9093     (Streamable HTTP at /mcp)
// Needs Node >= 20 (the SDK v2 packages' engines).
//
// Like credentials-mcp, it serves both protocol eras on one endpoint / one process: the legacy
// initialize-based revisions (2025-11-25 and earlier) and the per-request-envelope revision
// 2026-07-28 (server/discover, no sessions). One factory builds the server for both eras; the SDK
// picks the era per HTTP request (createMcpHandler: legacy POSTs are served statelessly, with no
// Mcp-Session-Id, GET/DELETE answered 405) and per stdio connection from its opening message
// (serveStdio). Modern HTTP requests are answered with plain JSON (responseMode 'json', as
// credentials-mcp answers a request that causes no notification); the SDK's stateless legacy leg
// always answers with a one-event SSE stream. No Host/Origin validation, like bench/ts-server.
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, createMcpHandler } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { toNodeHandler } from '@modelcontextprotocol/node';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function loadSchema(path) {
  const inline = (node, base) => {
    if (Array.isArray(node)) return node.map((item) => inline(item, base));
    if (node === null || typeof node !== 'object') return node;
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && !value.startsWith('#')) {
        const target = resolve(base, value);
        const { $schema, $id, ...referenced } = inline(JSON.parse(readFileSync(target, 'utf8')), dirname(target));
        Object.assign(out, referenced);
      } else if (key !== '$schema' && key !== '$id') {
        out[key] = inline(value, base);
      }
    }
    return out;
  };
  const full = join(REPO, path);
  return inline(JSON.parse(readFileSync(full, 'utf8')), dirname(full));
}

const providers = {
  scaleway: {
    baseUrl: process.env.SCALEWAY_API_URL ?? 'https://api.scaleway.com',
    headers: () => (process.env.SCW_SECRET_KEY ? { 'X-Auth-Token': process.env.SCW_SECRET_KEY } : {}),
  },
  planetscale: {
    baseUrl: process.env.PLANETSCALE_API_URL ?? 'https://api.planetscale.com',
    headers: () => (process.env.PLANETSCALE_SERVICE_TOKEN_ID
      ? { Authorization: `${process.env.PLANETSCALE_SERVICE_TOKEN_ID}:${process.env.PLANETSCALE_SERVICE_TOKEN}` }
      : {}),
  },
};

const ajv = new Ajv({ allErrors: false, strict: false });
addFormats(ajv);
const tools = [];
for (const file of readdirSync(join(REPO, 'tools')).filter((name) => name.endsWith('.json')).sort()) {
  const toolset = JSON.parse(readFileSync(join(REPO, 'tools', file), 'utf8'));
  for (const tool of toolset.tools) {
    const inputSchema = loadSchema(tool.inputSchema);
    const outputSchema = tool.outputSchema ? loadSchema(tool.outputSchema) : undefined;
    tools.push({
      definition: tool,
      provider: providers[toolset.provider],
      validate: ajv.compile(inputSchema),
      outputSchema,
      listed: {
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema,
        ...(outputSchema ? { outputSchema } : {}),
        annotations: { title: tool.title, ...tool.annotations },
      },
    });
  }
}
const byName = new Map(tools.map((tool) => [tool.definition.name, tool]));
const listResult = { tools: tools.map((tool) => tool.listed) };

const errorResult = (text) => ({ isError: true, content: [{ type: 'text', text }] });

async function callTool(tool, args) {
  if (!tool.validate(args)) {
    return errorResult(`Invalid arguments: ${ajv.errorsText(tool.validate.errors)}`);
  }
  const { method, path } = tool.definition.request;
  const query = new URLSearchParams();
  const body = {};
  let urlPath = path;
  for (const [name, spec] of Object.entries(tool.definition.arguments)) {
    if (args[name] === undefined) continue;
    if (spec.in === 'path') urlPath = urlPath.replace(`{${name}}`, encodeURIComponent(args[name]));
    else if (spec.in === 'query') {
      for (const value of [args[name]].flat()) query.append(name, String(value));
    } else body[name] = args[name];
  }
  const hasBody = method !== 'GET' && method !== 'DELETE';
  const url = `${tool.provider.baseUrl}${urlPath}${query.size ? `?${query}` : ''}`;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: { ...tool.provider.headers(), ...(hasBody ? { 'Content-Type': 'application/json' } : {}) },
      body: hasBody ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30000),
    });
  } catch (error) {
    return errorResult(`Upstream request failed: ${error.message}`);
  }
  const text = await response.text();
  if (!response.ok) return errorResult(`Upstream error ${response.status}: ${text}`);
  const structured = text ? JSON.parse(text) : (tool.definition.emptyResponse ?? {});
  return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
}

// The factory both entries call: per HTTP request (either era) and per stdio connection.
function makeServer() {
  const server = new Server({ name: 'credentials-mcp-ts-v2', version: '0.1.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/list', async () => listResult);
  server.setRequestHandler('tools/call', async (request) => {
    const tool = byName.get(request.params.name);
    if (!tool) return errorResult(`Unknown tool: ${request.params.name}`);
    // The SDK's per-era projection of a tools/call result (identity for object structuredContent).
    return server.projectCallToolResult(await callTool(tool, request.params.arguments ?? {}), tool.outputSchema);
  });
  return server;
}

async function serveHttp(host, port) {
  const handler = createMcpHandler(makeServer, { legacy: 'stateless', responseMode: 'json' });
  const nodeHandler = toNodeHandler(handler);
  const reply = (res, status, message) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
  };
  const httpServer = http.createServer(async (req, res) => {
    try {
      if (!req.url.startsWith('/mcp')) return reply(res, 404, 'Not found');
      return await nodeHandler(req, res);
    } catch (error) {
      if (!res.headersSent) reply(res, 500, `Internal error: ${error.message}`);
    }
  });
  httpServer.keepAliveTimeout = 60000;
  await new Promise((done) => httpServer.listen(port, host, done));
  console.error(`credentials-mcp-ts-v2: listening on http://${host}:${httpServer.address().port}/mcp`);
  const stop = () => httpServer.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const [mode, flag, listen] = process.argv.slice(2);
if (mode === 'stdio') {
  serveStdio(makeServer, { legacy: 'serve' });
} else if (mode === 'http') {
  const address = flag === '--listen' && listen ? listen : '127.0.0.1:9093';
  const colon = address.lastIndexOf(':');
  await serveHttp(address.slice(0, colon), Number(address.slice(colon + 1)));
} else {
  console.error('usage: node server.mjs stdio | http [--listen HOST:PORT]');
  process.exit(2);
}

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
import http from 'node:http';
import { Server, createMcpHandler } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { toNodeHandler } from '@modelcontextprotocol/node';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { loadCatalog } from '../ts-common/catalog.mjs';

const { byName, listResult, errorResult, callTool } = loadCatalog({ Ajv, addFormats });
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

#!/usr/bin/env node
// The comparison server of bench/: what a competent Node developer would write on the official
// MCP TypeScript SDK to serve the same 23 tools. It reads the same tools/*.json and
// schemas/**/*.json as credentials-mcp (with $refs inlined, as credentials-mcp serves them),
// validates arguments against the input schemas (Ajv, compiled once at start-up), and calls the
// same upstream with fetch: base URLs from SCALEWAY_API_URL / PLANETSCALE_API_URL, credentials
// from SCW_SECRET_KEY and PLANETSCALE_SERVICE_TOKEN_ID + PLANETSCALE_SERVICE_TOKEN.
//
// Usage: node server.mjs stdio
//        node server.mjs http --listen 127.0.0.1:9092     (stateful Streamable HTTP at /mcp)
//
// Like credentials-mcp, HTTP answers with plain JSON when a request causes no notification
// (enableJsonResponse) and keeps one transport per session (Mcp-Session-Id), removed on DELETE.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema, ListToolsRequestSchema, isInitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { loadCatalog } from '../ts-common/catalog.mjs';

const { byName, listResult, errorResult, callTool } = loadCatalog({ Ajv, addFormats });

function makeServer() {
  const server = new Server({ name: 'credentials-mcp-ts', version: '0.1.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => listResult);
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = byName.get(request.params.name);
    if (!tool) return errorResult(`Unknown tool: ${request.params.name}`);
    return callTool(tool, request.params.arguments ?? {});
  });
  return server;
}

async function serveHttp(host, port) {
  const transports = new Map();
  const readBody = (req) => new Promise((done, fail) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
  const reply = (res, status, message) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
  };
  const httpServer = http.createServer(async (req, res) => {
    try {
      if (!req.url.startsWith('/mcp')) return reply(res, 404, 'Not found');
      const sessionId = req.headers['mcp-session-id'];
      let transport = sessionId ? transports.get(sessionId) : undefined;
      if (req.method === 'POST') {
        let body;
        try {
          body = JSON.parse(await readBody(req));
        } catch {
          return reply(res, 400, 'Parse error');
        }
        if (!transport) {
          if (sessionId) return reply(res, 404, 'Session not found');
          if (!isInitializeRequest(body)) return reply(res, 400, 'No session: send initialize first');
          transport = new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            enableJsonResponse: true,
            onsessioninitialized: (id) => transports.set(id, transport),
          });
          const created = transport;
          created.onclose = () => {
            if (created.sessionId) transports.delete(created.sessionId);
          };
          await makeServer().connect(created);
        }
        return await transport.handleRequest(req, res, body);
      }
      if (!transport) return reply(res, sessionId ? 404 : 400, 'Session not found');
      return await transport.handleRequest(req, res);
    } catch (error) {
      if (!res.headersSent) reply(res, 500, `Internal error: ${error.message}`);
    }
  });
  httpServer.keepAliveTimeout = 60000;
  await new Promise((done) => httpServer.listen(port, host, done));
  console.error(`credentials-mcp-ts: serving MCP at http://${host}:${httpServer.address().port}/mcp`);
  const stop = () => httpServer.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const [mode, flag, listen] = process.argv.slice(2);
if (mode === 'stdio') {
  await makeServer().connect(new StdioServerTransport());
} else if (mode === 'http') {
  const address = flag === '--listen' && listen ? listen : '127.0.0.1:9092';
  const colon = address.lastIndexOf(':');
  await serveHttp(address.slice(0, colon), Number(address.slice(colon + 1)));
} else {
  console.error('usage: node server.mjs stdio | http [--listen HOST:PORT]');
  process.exit(2);
}

#!/usr/bin/env node
// Opens N MCP sessions over Streamable HTTP (initialize + notifications/initialized) and leaves
// them live, so bench/run.sh can read the server's RSS with that many sessions.
// Prints one line "SESSIONS_JSON {...}".
//
// Usage: node bench/open_sessions.mjs URL COUNT [CONCURRENCY]
import http from 'node:http';

const [url, countText, concurrencyText] = process.argv.slice(2);
if (!url || !countText) {
  console.error('usage: node bench/open_sessions.mjs URL COUNT [CONCURRENCY]');
  process.exit(2);
}
const count = Number(countText);
const concurrency = Number(concurrencyText ?? 16);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } });
const INITIALIZED = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });

function post(body, sessionId) {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
    if (sessionId) {
      headers['Mcp-Session-Id'] = sessionId;
      headers['MCP-Protocol-Version'] = '2025-11-25';
    }
    const request = http.request(url, { method: 'POST', agent, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, sessionId: response.headers['mcp-session-id'] }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

let next = 0;
let opened = 0;
let errors = 0;
async function worker() {
  while (next < count) {
    next++;
    try {
      const init = await post(INITIALIZE);
      if (init.status !== 200 || !init.sessionId) {
        errors++;
        continue;
      }
      const done = await post(INITIALIZED, init.sessionId);
      if (done.status === 202) opened++;
      else errors++;
    } catch {
      errors++;
    }
  }
}
const begin = Date.now();
await Promise.all(Array.from({ length: concurrency }, worker));
agent.destroy();
console.log(`SESSIONS_JSON ${JSON.stringify({ requested: count, opened, errors, seconds: (Date.now() - begin) / 1000 })}`);

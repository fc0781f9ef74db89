#!/usr/bin/env node
// stdio figures of bench/run.sh, from a client process (this one):
//   start    time from spawning the server to reading its initialize response (the initialize
//            request is written right after spawn), over --starts fresh processes;
//   ping, tools/list, tools/call (get-token against the upstream named by the environment):
//            round-trip latency, one request in flight at a time, over --requests each after
//            --warmup requests.
// Prints one line "STDIO_JSON {...}" (microseconds).
//
// Usage: node bench/stdio_rtt.mjs --label NAME [--starts 30] [--requests 2000] [--warmup 200]
//          -- COMMAND ARGS...     (the server command, e.g. build-bench/credentials-mcp stdio)
import { spawn } from 'node:child_process';

const argv = process.argv.slice(2);
const split = argv.indexOf('--');
if (split < 0 || split === argv.length - 1) {
  console.error('usage: node bench/stdio_rtt.mjs --label NAME [--starts N] [--requests N] [--warmup N] -- COMMAND ARGS...');
  process.exit(2);
}
const options = { label: 'server', starts: 30, requests: 2000, warmup: 200 };
for (let i = 0; i < split; i += 2) options[argv[i].replace(/^--/, '')] = argv[i + 1];
const [command, ...args] = argv.slice(split + 1);
const starts = Number(options.starts);
const requests = Number(options.requests);
const warmup = Number(options.warmup);

const INITIALIZE = { jsonrpc: '2.0', id: 0, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } };
const TOKEN_ID = '6c817983-ed16-424d-947b-c7e29fb0e8e0';
const REQUESTS = {
  ping: { method: 'ping', check: (r) => r.result !== undefined },
  'tools/list': { method: 'tools/list', check: (r) => r.result?.tools?.length === 23 },
  'tools/call': {
    method: 'tools/call',
    params: { name: 'get-token', arguments: { region: 'fr-par', token_id: TOKEN_ID } },
    check: (r) => r.result?.structuredContent?.id === TOKEN_ID && !r.result.isError,
  },
};

// One server process; replies are matched to the single request in flight.
class Client {
  constructor() {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    this.buffer = '';
    this.waiting = null;
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      this.buffer += chunk;
      let newline;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        const message = JSON.parse(line);
        if (message.id !== undefined && this.waiting) {
          const resolve = this.waiting;
          this.waiting = null;
          resolve(message);
        }
      }
    });
  }

  send(message) {
    const reply = new Promise((resolve) => { this.waiting = resolve; });
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
    return reply;
  }

  notify(message) {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  async close() {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (samples) => {
  const sorted = Float64Array.from(samples).sort();
  return {
    n: sorted.length,
    p50_us: percentile(sorted, 50), p99_us: percentile(sorted, 99), p999_us: percentile(sorted, 99.9),
    min_us: sorted[0], max_us: sorted[sorted.length - 1],
  };
};
const micros = (start) => Number(process.hrtime.bigint() - start) / 1000;

const result = { label: options.label };
let errors = 0;

const startSamples = [];
for (let i = 0; i < starts; i++) {
  const begin = process.hrtime.bigint();
  const client = new Client();
  const reply = await client.send(INITIALIZE);
  startSamples.push(micros(begin));
  if (!reply.result?.protocolVersion) errors++;
  await client.close();
}
result.start = summary(startSamples);

const client = new Client();
await client.send(INITIALIZE);
client.notify({ jsonrpc: '2.0', method: 'notifications/initialized' });
let id = 1;
for (const [name, spec] of Object.entries(REQUESTS)) {
  const samples = [];
  for (let i = 0; i < warmup + requests; i++) {
    const message = { jsonrpc: '2.0', id: id++, method: spec.method, ...(spec.params ? { params: spec.params } : {}) };
    const begin = process.hrtime.bigint();
    const reply = await client.send(message);
    const elapsed = micros(begin);
    if (!spec.check(reply)) errors++;
    if (i >= warmup) samples.push(elapsed);
  }
  result[name] = summary(samples);
}
await client.close();
result.errors = errors;
console.log(`STDIO_JSON ${JSON.stringify(result)}`);

// Issue 15 §4: three stateless replicas behind HAProxy (deploy/haproxy/stateless.cfg, as
// shipped) sharing one upstream (`credentials-mcp sandbox` as its own process), while MCP clients
// (the official SDK) send a steady mix of tools/list and read-only tools/call through the
// balancer:
//  - a rolling restart (SIGTERM one replica, restart it, wait until ready, next) loses nothing;
//  - a crash (SIGKILL one replica mid-run) fails at most the requests in flight on it, and the
//    restarted replica takes traffic again.
// Short by default (CI); scripts/failover.sh runs the long form through the same file:
//   FAILOVER_ROUNDS (rolling restarts of every replica, default 1), FAILOVER_CRASHES (default 1),
//   FAILOVER_CLIENTS (default 6), FAILOVER_REPORT (a file for the JSON summary).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { DEMO } from './lib/demo.mjs';
import { BINARY, cleanEnv } from './lib/server.mjs';
import { freePort, sleep, waitFor } from './lib/wait.mjs';

const ROUNDS = Number(process.env.FAILOVER_ROUNDS ?? 1);
const CRASHES = Number(process.env.FAILOVER_CRASHES ?? 1);
const CLIENTS = Number(process.env.FAILOVER_CLIENTS ?? 6);
const REPLICAS = 3;
// Longer than the balancer's health checks take to notice (inter 500 ms x fall 2).
const DRAIN_SECONDS = 2;
const HAPROXY_CONFIG = fileURLToPath(new URL('../../deploy/haproxy/stateless.cfg', import.meta.url));
const CREDENTIALS = {
  SCW_SECRET_KEY: 'failover-test-key-0123456789',
  PLANETSCALE_SERVICE_TOKEN_ID: 'failoverid01',
  PLANETSCALE_SERVICE_TOKEN: 'pscale_tkn_failover_0123456789',
};

function haproxyBinary() {
  for (const candidate of ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('haproxy is not installed (apt-get install haproxy; scripts/install-deps.sh --test-tools does)');
}

function startProcess(command, args, env) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => {
    log = (log + chunk.toString()).slice(-20000);
  });
  return { child, log: () => log };
}

async function startSandbox() {
  const sandbox = startProcess(BINARY, ['sandbox', '--listen', '127.0.0.1:0'], cleanEnv(CREDENTIALS));
  let url;
  await waitFor(() => {
    url = sandbox.log().match(/at (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    return url !== undefined;
  }, 'the sandbox to listen');
  return { ...sandbox, url };
}

class Replica {
  constructor(index, port, upstream) {
    this.index = index;
    this.port = port;
    this.upstream = upstream;
    this.exits = [];
  }

  async start() {
    const env = cleanEnv({
      ...CREDENTIALS,
      SCALEWAY_API_URL: this.upstream,
      PLANETSCALE_API_URL: this.upstream,
      SCW_DEFAULT_REGION: DEMO.region,
      SCW_DEFAULT_PROJECT_ID: DEMO.projectId,
      PLANETSCALE_ORG: DEMO.organization,
    });
    this.started = Date.now();
    this.process = startProcess(
      BINARY,
      ['http', '--listen', `127.0.0.1:${this.port}`, '--stateless',
        '--drain-seconds', String(DRAIN_SECONDS), '--shutdown-grace', '10'],
      env,
    );
    await waitFor(async () => (await fetch(`${this.url()}/readyz`)).status === 200,
      `replica ${this.index} to be ready`);
  }

  url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(signal) {
    const { child } = this.process;
    const exited = once(child, 'exit');
    child.kill(signal);
    const [code, killedBy] = await exited;
    this.exits.push({ signal, code, killedBy });
    return { code, killedBy };
  }

  // POST requests this process has answered, from its own /metrics.
  async postsServed() {
    const text = await (await fetch(`${this.url()}/metrics`)).text();
    let total = 0;
    for (const match of text.matchAll(/^mcp_http_requests_total\{method="POST",[^}]*\} (\d+)/gm)) {
      total += Number(match[1]);
    }
    return total;
  }
}

function percentile(sorted, fraction) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

// One client's steady stream: tools/list and read-only calls in turn, each timed and labelled
// with the phase it started in.
async function runClient(index, url, state, samples) {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: `failover-${index}`, version: '1' });
  await client.connect(transport);
  const calls = [
    () => client.listTools(),
    () => client.callTool({ name: 'get-token', arguments: { token_id: DEMO.tokenId } }),
    () => client.callTool({ name: 'list-secrets', arguments: { page_size: 2 } }),
    () => client.callTool({ name: 'list-jwts', arguments: { audience_id: DEMO.userId } }),
  ];
  for (let n = index; !state.stopped; ++n) {
    const phase = state.phase;
    const started = performance.now();
    let error;
    try {
      const result = await calls[n % calls.length]();
      if (result.isError) error = `isError: ${result.content?.[0]?.text}`;
    } catch (caught) {
      error = String(caught?.message ?? caught);
    }
    samples.push({ phase, ms: performance.now() - started, error });
    await sleep(10);
  }
  await client.close();
}

function summarize(samples, replicas, servedAgainMs) {
  const phases = {};
  for (const sample of samples) {
    const entry = (phases[sample.phase] ??= { requests: 0, failures: 0, latencies: [], errors: [] });
    entry.requests += 1;
    entry.latencies.push(sample.ms);
    if (sample.error) {
      entry.failures += 1;
      if (entry.errors.length < 5) entry.errors.push(sample.error);
    }
  }
  const all = samples.map((s) => s.ms).sort((a, b) => a - b);
  const summary = {
    requests: samples.length,
    failures: samples.filter((s) => s.error).length,
    p50_ms: Number(percentile(all, 0.5).toFixed(2)),
    p99_ms: Number(percentile(all, 0.99).toFixed(2)),
    phases: {},
    restarted_replica_serving_again_ms: servedAgainMs,
    exits: replicas.map((r) => r.exits),
  };
  for (const [name, entry] of Object.entries(phases)) {
    const sorted = entry.latencies.sort((a, b) => a - b);
    summary.phases[name] = {
      requests: entry.requests,
      failures: entry.failures,
      p50_ms: Number(percentile(sorted, 0.5).toFixed(2)),
      p99_ms: Number(percentile(sorted, 0.99).toFixed(2)),
      errors: entry.errors,
    };
  }
  return summary;
}

test('a fleet behind HAProxy: rolling restarts lose nothing, a crash only what was in flight', { timeout: 900_000 }, async () => {
  const haproxy = haproxyBinary();
  const sandbox = await startSandbox();
  const replicas = [];
  let balancer;
  const state = { phase: 'warm-up', stopped: false };
  const samples = [];
  const servedAgainMs = [];
  try {
    for (let i = 0; i < REPLICAS; ++i) {
      replicas.push(new Replica(i + 1, await freePort(), sandbox.url));
    }
    await Promise.all(replicas.map((replica) => replica.start()));
    const listen = `127.0.0.1:${await freePort()}`;
    balancer = startProcess(haproxy, ['-db', '-f', HAPROXY_CONFIG], {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LISTEN: listen,
      REPLICA_1: `127.0.0.1:${replicas[0].port}`,
      REPLICA_2: `127.0.0.1:${replicas[1].port}`,
      REPLICA_3: `127.0.0.1:${replicas[2].port}`,
    });
    const url = `http://${listen}/mcp`;
    await waitFor(async () => (await fetch(`http://${listen}/readyz`)).status === 200,
      'the balancer to route');

    const clients = [];
    for (let i = 0; i < CLIENTS; ++i) clients.push(runClient(i, url, state, samples));
    await sleep(2000);

    state.phase = 'rolling restart';
    for (let round = 0; round < ROUNDS; ++round) {
      for (const replica of replicas) {
        const { code } = await replica.stop('SIGTERM');
        assert.equal(code, 0, `replica ${replica.index} exit after SIGTERM:\n${replica.process.log()}`);
        await replica.start();
        // Let the balancer's checks see it up again (rise 1 x inter 500 ms) before the next.
        await sleep(1000);
      }
    }

    for (let crash = 0; crash < CRASHES; ++crash) {
      state.phase = 'steady';
      await sleep(1500);
      state.phase = 'crash';
      const victim = replicas[crash % REPLICAS];
      await victim.stop('SIGKILL');
      await sleep(500);
      state.phase = 'recovery';
      const restarted = Date.now();
      await victim.start();
      await waitFor(async () => (await victim.postsServed()) > 0,
        `replica ${victim.index} to serve traffic again`);
      servedAgainMs.push(Date.now() - restarted);
      await sleep(1500);
    }

    state.phase = 'steady';
    await sleep(1500);
    state.stopped = true;
    await Promise.all(clients);

    const summary = summarize(samples, replicas, servedAgainMs);
    console.log(JSON.stringify(summary, null, 2));
    if (process.env.FAILOVER_REPORT) writeFileSync(process.env.FAILOVER_REPORT, JSON.stringify(summary, null, 2));
    for (const [phase, entry] of Object.entries(summary.phases)) {
      assert.ok(entry.requests > 0, `requests in phase ${phase}`);
      if (phase !== 'crash' && phase !== 'recovery') {
        assert.equal(entry.failures, 0, `failures in phase ${phase}: ${entry.errors.join(' | ')}`);
      }
    }
    const crashFailures = (summary.phases.crash?.failures ?? 0) + (summary.phases.recovery?.failures ?? 0);
    assert.ok(crashFailures <= CLIENTS * CRASHES,
      `a crash may fail only what was in flight on the replica: ${crashFailures} failures`);
    assert.equal(servedAgainMs.length, CRASHES);
  } finally {
    state.stopped = true;
    if (balancer) balancer.child.kill('SIGTERM');
    for (const replica of replicas) {
      if (replica.process && replica.process.child.exitCode === null && replica.process.child.signalCode === null) {
        replica.process.child.kill('SIGKILL');
      }
    }
    sandbox.child.kill('SIGTERM');
  }
});

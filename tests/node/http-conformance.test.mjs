// Issue 4: the official conformance suite (@modelcontextprotocol/conformance 0.1.16, on the
// Node 22 this test runs under) against `credentials-mcp http`, stateful and stateless. Exit
// code 0 means: every scenario passes except those in conformance-baseline.yml, which must fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHttp } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const baseline = path.join(here, 'conformance-baseline.yml');

// Stateless mode sends no Mcp-Session-Id, so server-sse-multiple-streams can only warn
// ("needs a session id"), which the runner counts as a failure.
function baselineFor(mode) {
  if (mode === 'stateful') return baseline;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'conformance-')), 'baseline.yml');
  writeFileSync(file, `${readFileSync(baseline, 'utf8')}  - server-sse-multiple-streams     # stateless: no session id, so the scenario only warns\n`);
  return file;
}

async function runSuite(url, expectedFailures) {
  const child = spawn(process.execPath, [cli, 'server', '--url', url, '--expected-failures', expectedFailures], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const [code] = await once(child, 'exit');
  return { code, output };
}

for (const mode of ['stateful', 'stateless']) {
  test(`conformance suite passes outside the baseline (${mode})`, { timeout: 600000 }, async () => {
    assert.ok(process.versions.node.split('.')[0] >= 22, 'the conformance suite needs Node 22');
    const server = await startHttp(['--sandbox', ...(mode === 'stateless' ? ['--stateless'] : [])]);
    try {
      const { code, output } = await runSuite(server.url, baselineFor(mode));
      const summary = output.slice(output.indexOf('=== SUMMARY ==='));
      assert.equal(code, 0, summary || output.slice(-4000));
      const mustPass = ['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'dns-rebinding-protection'];
      if (mode === 'stateful') mustPass.push('server-sse-multiple-streams');
      for (const scenario of mustPass) {
        assert.match(summary, new RegExp(`✓ ${scenario}:`), `${scenario} passes`);
      }
    } finally {
      { const code = await server.stop(); assert.equal(code, 0, `clean exit on SIGTERM; server log:\n${server.log()}`); }
    }
  });
}

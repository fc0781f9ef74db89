// Issue 15 §3: the fleet kit in deploy/ is checked offline. Kubernetes manifests against the
// API's schemas (kubernetes-models) and the rules a fleet relies on; the server flags they use
// against the binary itself; HAProxy and nginx configurations by HAProxy and nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { Secret } from 'kubernetes-models/v1/Secret';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { BINARY, cleanEnv } from './lib/server.mjs';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const MODELS = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 Secret': Secret,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
};

function manifests() {
  const directory = join(DEPLOY, 'kubernetes');
  const all = [];
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.yaml'))) {
    for (const document of parseAllDocuments(readFileSync(join(directory, file), 'utf8'))) {
      assert.equal(document.errors.length, 0, `${file}: ${document.errors.join('; ')}`);
      all.push({ file, object: document.toJS() });
    }
  }
  return all;
}

function secondsFlag(args, name) {
  const flag = args.find((arg) => arg.startsWith(`--${name}=`));
  assert.ok(flag, `--${name}= in the container's args`);
  return Number(flag.split('=')[1]);
}

test('every Kubernetes manifest is valid against the API schema', () => {
  const kustomization = manifests().find(({ file }) => file === 'kustomization.yaml').object;
  for (const { file, object } of manifests()) {
    if (file === 'kustomization.yaml') continue;
    const Model = MODELS[`${object.apiVersion} ${object.kind}`];
    assert.ok(Model, `${file}: no schema for ${object.apiVersion} ${object.kind}`);
    assert.doesNotThrow(() => new Model(object).validate(), `${file} (${object.kind})`);
    if (object.kind !== 'Secret') {
      assert.ok(kustomization.resources.includes(file), `kustomization.yaml lists ${file}`);
    }
  }
});

test('the Deployment is what a fleet needs: probes, drain, non-root, read-only, resources', () => {
  const all = manifests().map(({ object }) => object);
  const deployment = all.find((object) => object.kind === 'Deployment');
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  const labels = deployment.spec.template.metadata.labels;
  assert.deepEqual(deployment.spec.selector.matchLabels, labels);
  assert.ok(deployment.spec.replicas >= 2);
  assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);

  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.notEqual(pod.securityContext.runAsUser, 0);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
  assert.equal(pod.automountServiceAccountToken, false);

  assert.ok(container.args.includes('--stateless'), 'replicas behind a Service are stateless');
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  for (const probe of [container.readinessProbe, container.livenessProbe]) {
    // A probe otherwise sends the pod IP as Host, which the server refuses (DNS rebinding).
    assert.deepEqual(probe.httpGet.httpHeaders, [{ name: 'Host', value: 'localhost' }]);
  }
  const drain = secondsFlag(container.args, 'drain-seconds');
  const grace = secondsFlag(container.args, 'shutdown-grace');
  const probeWindow = container.readinessProbe.periodSeconds * container.readinessProbe.failureThreshold;
  assert.ok(drain > probeWindow, `the drain (${drain} s) outlasts the readiness probe (${probeWindow} s)`);
  assert.ok(pod.terminationGracePeriodSeconds > drain + grace,
    `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} > drain ${drain} + grace ${grace}`);

  assert.ok(container.resources.requests.memory && container.resources.requests.cpu);
  assert.ok(container.resources.limits.memory);
  assert.ok(container.envFrom.some((source) => source.secretRef), 'credentials come from a Secret');
  const writable = container.volumeMounts.filter((mount) => !mount.readOnly).map((mount) => mount.mountPath);
  const audit = container.args.find((arg) => arg.startsWith('--audit-log=')).split('=')[1];
  assert.ok(writable.some((path) => audit.startsWith(`${path}/`)), 'the audit log is on a writable volume');

  const service = all.find((object) => object.kind === 'Service');
  const hpa = all.find((object) => object.kind === 'HorizontalPodAutoscaler');
  const pdb = all.find((object) => object.kind === 'PodDisruptionBudget');
  assert.deepEqual(service.spec.selector, labels);
  assert.deepEqual(pdb.spec.selector.matchLabels, labels);
  assert.equal(hpa.spec.scaleTargetRef.name, deployment.metadata.name);
  assert.ok(hpa.spec.minReplicas >= 2);
});

test('the server accepts the flags the Deployment passes', () => {
  const deployment = manifests().find(({ object }) => object.kind === 'Deployment').object;
  const directory = mkdtempSync(join(tmpdir(), 'cmcp-deploy-'));
  const tokens = join(directory, 'tokens');
  writeFileSync(tokens, 'a-token\n');
  const args = deployment.spec.template.spec.containers[0].args
    .slice(1) // the `http` command: `tools` checks the same options without serving
    .map((arg) => (arg.startsWith('--auth-token-file=') ? `--auth-token-file=${tokens}` : arg))
    .map((arg) => (arg.startsWith('--audit-log=') ? `--audit-log=${join(directory, 'audit.jsonl')}` : arg));
  const output = execFileSync(BINARY, ['tools', ...args], { env: cleanEnv(), encoding: 'utf8' });
  assert.match(output, /23 of 23 tools selected/);
});

function haproxy() {
  return ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].find((path) => existsSync(path));
}

test('the HAProxy configurations are valid', () => {
  const binary = haproxy();
  assert.ok(binary, 'haproxy is installed (scripts/install-deps.sh --test-tools)');
  for (const file of ['stateless.cfg', 'sessions.cfg']) {
    const output = execFileSync(binary, ['-c', '-f', join(DEPLOY, 'haproxy', file)], {
      env: { PATH: '/usr/bin:/bin', LISTEN: '127.0.0.1:9090', REPLICA_1: '127.0.0.1:9091', REPLICA_2: '127.0.0.1:9092', REPLICA_3: '127.0.0.1:9093' },
      encoding: 'utf8',
    });
    assert.match(output, /Configuration file is valid/, file);
  }
  const sessions = readFileSync(join(DEPLOY, 'haproxy', 'sessions.cfg'), 'utf8');
  // Learned from the response: initialize carries no session id to hash.
  assert.match(sessions, /stick store-response res\.hdr\(Mcp-Session-Id\)/);
  assert.match(sessions, /stick match req\.hdr\(Mcp-Session-Id\)/);
});

test('the nginx configuration is valid', () => {
  const binary = ['/usr/sbin/nginx', join(process.cwd(), '.tools/nginx/usr/sbin/nginx')].find((path) => existsSync(path));
  assert.ok(binary, 'nginx is available (scripts/install-deps.sh --test-tools extracts it)');
  const prefix = mkdtempSync(join(tmpdir(), 'cmcp-nginx-'));
  mkdirSync(join(prefix, 'logs'));
  const temp = (name) => `${name}_temp_path ${join(prefix, name)};`;
  writeFileSync(join(prefix, 'nginx.conf'), `
    pid ${join(prefix, 'nginx.pid')};
    error_log ${join(prefix, 'logs', 'error.log')};
    events {}
    http {
      access_log off;
      ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n      ')}
      include ${join(DEPLOY, 'nginx', 'credentials-mcp.conf')};
    }
  `);
  // nginx -t prints its verdict on stderr; execFileSync throws if the test fails.
  execFileSync(binary, ['-t', '-q', '-p', prefix, '-e', join(prefix, 'logs', 'error.log'), '-c', join(prefix, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
});

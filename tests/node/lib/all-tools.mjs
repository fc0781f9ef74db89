// All 23 tools against the sandbox, through any MCP SDK client (v1 or v2, either era): each tool
// called for real, results checked, errors included. listTools() first, so the SDK validates every
// structuredContent against the advertised output schema. `isProtocolError(error)` tells the
// SDK's JSON-RPC error type apart.
import assert from 'node:assert/strict';
import { SEED_TOOLS } from './seed-tools.mjs';
import { DEMO } from './demo.mjs';

export async function exerciseAllTools(client, { isProtocolError, instructions = /SANDBOX MODE/ }) {
  const called = new Set();
  async function call(name, args) {
    called.add(name);
    return client.callTool({ name, arguments: args });
  }
  async function ok(name, args) {
    const result = await call(name, args);
    assert.ok(!result.isError, `${name} failed: ${result.content?.[0]?.text}`);
    assert.equal(result.content[0].type, 'text');
    assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent, `${name} text = structured`);
    return result.structuredContent;
  }
  async function fails(name, args, pattern) {
    const result = await call(name, args);
    assert.equal(result.isError, true, `${name} should fail`);
    assert.match(result.content[0].text, pattern, name);
    assert.equal(result.structuredContent, undefined);
    return result.content[0].text;
  }

  assert.match(client.getInstructions(), instructions);
  const { tools } = await client.listTools();
  assert.equal(tools.length, 23);

  // Serverless Functions tokens
  const list = await ok('list-all-tokens', {});
  assert.ok(list.tokens.length >= 2);
  assert.ok(list.total_count >= 2);
  assert.equal((await ok('get-token', { token_id: DEMO.tokenId })).id, DEMO.tokenId);
  const created = await ok('create-new-revocable-token', {
    function_id: DEMO.functionId,
    description: 'ci token',
    expires_at: '2031-01-01T00:00:00Z',
  });
  assert.ok(created.token.length > 10, 'the new token value is returned once');
  assert.equal(created.function_id, DEMO.functionId);
  const deleted = await ok('delete-token', { token_id: created.id });
  assert.equal(deleted.id, created.id);
  await fails('get-token', { token_id: created.id }, /404.*not_found/s);
  await fails('create-new-revocable-token', { function_id: DEMO.functionId, namespace_id: DEMO.namespaceId }, /exactly one of `function_id` or `namespace_id`/);
  await fails('list-all-tokens', { region: 'eu-west' }, /`region`: expected one of "fr-par", "nl-ams", "pl-waw"; got "eu-west"/);

  // IAM JWTs
  const jwts = await ok('list-jwts', { audience_id: DEMO.userId, order_by: 'created_at_desc' });
  assert.ok(jwts.jwts.length >= 1);
  assert.ok(jwts.jwts.every((jwt) => jwt.audience_id === DEMO.userId));
  const jti = jwts.jwts[0].jti;
  assert.equal((await ok('get-jwt', { jti })).jti, jti);
  assert.deepEqual(await ok('delete-jwt', { jti }), { deleted: true, jti });
  await fails('get-jwt', { jti }, /not_found/);
  await fails('list-jwts', {}, /missing required argument `audience_id`/);

  // Secret Manager
  const live = await ok('list-secrets', {});
  assert.ok(live.secrets.some((s) => s.id === DEMO.secretId));
  assert.ok(!live.secrets.some((s) => s.id === DEMO.scheduledSecretId));
  const scheduled = await ok('list-secrets', { scheduled_for_deletion: true });
  assert.ok(scheduled.secrets.some((s) => s.id === DEMO.scheduledSecretId));
  const secret = await ok('create-secret', { name: `ci-${Date.now()}`, tags: ['ci'], description: 'made by the test' });
  assert.equal(secret.project_id, DEMO.projectId);
  assert.equal(secret.protected, false);
  assert.equal((await ok('get-metadata-using-secret-s-id', { secret_id: secret.id })).name, secret.name);
  const updated = await ok('update-metadata-secret', { secret_id: secret.id, tags: ['ci', 'updated'] });
  assert.deepEqual(updated.tags, ['ci', 'updated']);
  assert.equal((await ok('enable-secret-protection', { secret_id: secret.id })).protected, true);
  await fails('delete-secret', { secret_id: secret.id }, /precondition_failed/);
  assert.equal((await ok('disable-secret-protection', { secret_id: secret.id })).protected, false);
  const owner = await ok('allow-product-use-secret', { secret_id: secret.id, product: 'edge_services' });
  assert.equal(owner.secret_id, secret.id);
  const removal = await ok('delete-secret', { secret_id: secret.id });
  assert.equal(removal.secret_id, secret.id);
  const restored = await ok('restore-secret', { secret_id: secret.id });
  assert.equal(restored.deletion_requested_at ?? null, null);
  const version = await ok('restore-version', { secret_id: DEMO.secretId, revision: '1' });
  assert.equal(version.revision, 1);
  await fails('restore-version', { secret_id: DEMO.secretId, revision: '1' }, /precondition_failed/);
  await fails('delete-secret', { secret_id: DEMO.protectedSecretId }, /precondition_failed/);

  // PlanetScale service tokens
  const tokens = await ok('list-service-tokens', { per_page: 10 });
  assert.ok(tokens.data.length >= 2);
  assert.equal(tokens.type, 'list');
  const serviceToken = await ok('create-service-token', { name: 'ci-token', ttl: 3600 });
  assert.ok(serviceToken.token.length > 10, 'the new token value is returned once');
  assert.equal((await ok('get-service-token', { id: serviceToken.id })).id, serviceToken.id);
  const granted = await ok('grant-service-token-access', { id: serviceToken.id, database: DEMO.database, access: ['read_branch', 'connect_branch'] });
  assert.ok(granted.data.some((a) => a.access === 'read_branch'));
  const accesses = await ok('list-service-token-accesses', { id: serviceToken.id });
  assert.deepEqual(accesses.data.map((a) => a.access).sort(), ['connect_branch', 'read_branch']);
  assert.deepEqual(await ok('delete-service-token', { id: serviceToken.id }), { deleted: true, organization: DEMO.organization, id: serviceToken.id });
  await fails('get-service-token', { id: serviceToken.id }, /404.*not_found/s);
  await fails('grant-service-token-access', { id: DEMO.serviceTokenId, access: [] }, /`access`/);

  assert.deepEqual([...called].sort(), SEED_TOOLS.map(([name]) => name).sort(), 'all 23 tools were called');

  // Protocol errors stay protocol errors.
  await assert.rejects(client.callTool({ name: 'no-such-tool', arguments: {} }), (error) => isProtocolError(error) && error.code === -32602);
}

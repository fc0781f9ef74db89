// Issue 3: with canary credential values, none of them appears in any log line or result, even
// when the upstream echoes every request header back in its bodies and error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { SEED_TOOLS } from './lib/seed-tools.mjs';
import { connectStdio, cleanEnv } from './lib/server.mjs';

const CANARIES = {
  SCW_SECRET_KEY: 'CANARY-scw-secret-9f1c2e7a',
  PLANETSCALE_SERVICE_TOKEN_ID: 'CANARYpsid77',
  PLANETSCALE_SERVICE_TOKEN: 'CANARY-pscale-token-41d8e2',
};

// Valid arguments for each tool (the echo server accepts anything).
const UUID = '6170692e-7363-616c-6577-61792e636f6d';
const ARGS = {
  'list-all-tokens': {}, 'create-new-revocable-token': { function_id: UUID }, 'get-token': { token_id: UUID },
  'delete-token': { token_id: UUID }, 'list-jwts': { audience_id: UUID }, 'get-jwt': { jti: 'j1' }, 'delete-jwt': { jti: 'j1' },
  'list-secrets': {}, 'create-secret': { name: 'n' }, 'get-metadata-using-secret-s-id': { secret_id: UUID },
  'update-metadata-secret': { secret_id: UUID, name: 'n2' }, 'delete-secret': { secret_id: UUID },
  'allow-product-use-secret': { secret_id: UUID, product: 'edge_services' }, 'enable-secret-protection': { secret_id: UUID },
  'restore-secret': { secret_id: UUID }, 'disable-secret-protection': { secret_id: UUID },
  'restore-version': { secret_id: UUID, revision: '1' }, 'list-service-tokens': {}, 'create-service-token': {},
  'get-service-token': { id: 'tok1' }, 'delete-service-token': { id: 'tok1' }, 'list-service-token-accesses': { id: 'tok1' },
  'grant-service-token-access': { id: 'tok1', access: ['read_branch'] },
};

test('canary credentials never reach results, errors or logs', async () => {
  let requestCount = 0;
  const echo = http.createServer((req, res) => {
    requestCount += 1;
    const headers = JSON.stringify(req.headers);
    // Alternate between an error that quotes the headers and a success that embeds them.
    if (requestCount % 2) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `rejected credentials ${headers}`, type: 'denied_authentication', code: 'unauthorized' }));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', echoed: headers, auth: req.headers.authorization ?? req.headers['x-auth-token'] }));
    }
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const base = `http://127.0.0.1:${echo.address().port}`;
  const { client, stderr } = await connectStdio(
    ['stdio', '--log-level', 'debug'],
    cleanEnv({
      ...CANARIES,
      SCW_DEFAULT_REGION: 'fr-par',
      SCW_DEFAULT_PROJECT_ID: UUID,
      PLANETSCALE_ORG: 'acme',
      SCALEWAY_API_URL: base,
      PLANETSCALE_API_URL: base,
    }),
  );
  const seen = [];
  try {
    await client.setLoggingLevel('debug');
    client.setNotificationHandler((await import('@modelcontextprotocol/sdk/types.js')).LoggingMessageNotificationSchema, (n) => {
      seen.push(JSON.stringify(n));
    });
    await client.listTools();
    for (const [name] of SEED_TOOLS) {
      // Output-schema validation may reject the echo server's made-up shapes; that error text
      // is checked for canaries too.
      try {
        seen.push(JSON.stringify(await client.callTool({ name, arguments: ARGS[name] })));
      } catch (error) {
        seen.push(String(error?.message ?? error));
      }
    }
  } finally {
    await client.close();
    echo.close();
  }
  assert.ok(requestCount >= 23, `the echo server saw ${requestCount} requests`);
  const everything = seen.join('\n') + '\n' + stderr.join('');
  for (const [variable, canary] of Object.entries(CANARIES)) {
    assert.ok(!everything.includes(canary), `${variable} leaked`);
  }
  assert.ok(everything.includes('[REDACTED]'), 'the echoes were redacted, not absent');
});

// Helpers to run the credentials-mcp binary under test.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export const BINARY = process.env.CREDENTIALS_MCP_BIN;
if (!BINARY) {
  throw new Error('set CREDENTIALS_MCP_BIN to the credentials-mcp binary (ctest does)');
}

// Environment for the child: nothing inherited that could hold real credentials.
export function cleanEnv(extra = {}) {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...extra };
}

export async function connectStdio(args = ['stdio'], env = cleanEnv()) {
  const transport = new StdioClientTransport({ command: BINARY, args, env, stderr: 'pipe' });
  const stderr = [];
  transport.stderr?.on('data', (chunk) => stderr.push(chunk.toString()));
  const client = new Client({ name: 'credentials-mcp-tests', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, stderr };
}

// Starts `credentials-mcp http --listen 127.0.0.1:0 ...` and resolves with its URL once the
// server logs the port it bound.
export async function startHttp(args = [], env = cleanEnv()) {
  const child = spawn(BINARY, ['http', '--listen', '127.0.0.1:0', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 15000);
    child.stderr.on('data', (chunk) => {
      log += chunk.toString();
      const match = log.match(/listening on (http:\/\/[^\s]+\/mcp)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
  return {
    url,
    child,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      return code;
    },
  };
}

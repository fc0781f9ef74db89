// What both TypeScript peers of bench/ share, written once as any Node developer would: the 23
// tools from the same tools/*.json and schemas/**/*.json as credentials-mcp (with $refs inlined,
// as credentials-mcp serves them), arguments checked with Ajv (compiled once at start-up), calls
// made with fetch: base URLs from SCALEWAY_API_URL / PLANETSCALE_API_URL, credentials from
// SCW_SECRET_KEY and PLANETSCALE_SERVICE_TOKEN_ID + PLANETSCALE_SERVICE_TOKEN. Each peer passes
// its own Ajv, since each has node_modules of its own.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function loadSchema(path) {
  const inline = (node, base) => {
    if (Array.isArray(node)) return node.map((item) => inline(item, base));
    if (node === null || typeof node !== 'object') return node;
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && !value.startsWith('#')) {
        const target = resolve(base, value);
        const { $schema, $id, ...referenced } = inline(JSON.parse(readFileSync(target, 'utf8')), dirname(target));
        Object.assign(out, referenced);
      } else if (key !== '$schema' && key !== '$id') {
        out[key] = inline(value, base);
      }
    }
    return out;
  };
  const full = join(REPO, path);
  return inline(JSON.parse(readFileSync(full, 'utf8')), dirname(full));
}

const providers = {
  scaleway: {
    baseUrl: process.env.SCALEWAY_API_URL ?? 'https://api.scaleway.com',
    headers: () => (process.env.SCW_SECRET_KEY ? { 'X-Auth-Token': process.env.SCW_SECRET_KEY } : {}),
  },
  planetscale: {
    baseUrl: process.env.PLANETSCALE_API_URL ?? 'https://api.planetscale.com',
    headers: () => (process.env.PLANETSCALE_SERVICE_TOKEN_ID
      ? { Authorization: `${process.env.PLANETSCALE_SERVICE_TOKEN_ID}:${process.env.PLANETSCALE_SERVICE_TOKEN}` }
      : {}),
  },
};

// The tools (each with its definition, provider, validator, tools/list entry and output schema),
// the tools/list result and the tools/call handler.
export function loadCatalog({ Ajv, addFormats }) {
  const ajv = new Ajv({ allErrors: false, strict: false });
  addFormats(ajv);
  const tools = [];
  for (const file of readdirSync(join(REPO, 'tools')).filter((name) => name.endsWith('.json')).sort()) {
    const toolset = JSON.parse(readFileSync(join(REPO, 'tools', file), 'utf8'));
    for (const tool of toolset.tools) {
      const inputSchema = loadSchema(tool.inputSchema);
      const outputSchema = tool.outputSchema ? loadSchema(tool.outputSchema) : undefined;
      tools.push({
        definition: tool,
        outputSchema,
        provider: providers[toolset.provider],
        validate: ajv.compile(inputSchema),
        listed: {
          name: tool.name,
          title: tool.title,
          description: tool.description,
          inputSchema,
          ...(outputSchema ? { outputSchema } : {}),
          annotations: { title: tool.title, ...tool.annotations },
        },
      });
    }
  }
  const byName = new Map(tools.map((tool) => [tool.definition.name, tool]));
  const listResult = { tools: tools.map((tool) => tool.listed) };

  const errorResult = (text) => ({ isError: true, content: [{ type: 'text', text }] });

  async function callTool(tool, args) {
    if (!tool.validate(args)) {
      return errorResult(`Invalid arguments: ${ajv.errorsText(tool.validate.errors)}`);
    }
    const { method, path } = tool.definition.request;
    const query = new URLSearchParams();
    const body = {};
    let urlPath = path;
    for (const [name, spec] of Object.entries(tool.definition.arguments)) {
      if (args[name] === undefined) continue;
      if (spec.in === 'path') urlPath = urlPath.replace(`{${name}}`, encodeURIComponent(args[name]));
      else if (spec.in === 'query') {
        for (const value of [args[name]].flat()) query.append(name, String(value));
      } else body[name] = args[name];
    }
    const hasBody = method !== 'GET' && method !== 'DELETE';
    const url = `${tool.provider.baseUrl}${urlPath}${query.size ? `?${query}` : ''}`;
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...tool.provider.headers(), ...(hasBody ? { 'Content-Type': 'application/json' } : {}) },
        body: hasBody ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(30000),
      });
    } catch (error) {
      return errorResult(`Upstream request failed: ${error.message}`);
    }
    const text = await response.text();
    if (!response.ok) return errorResult(`Upstream error ${response.status}: ${text}`);
    const structured = text ? JSON.parse(text) : (tool.definition.emptyResponse ?? {});
    return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
  }

  return { byName, listResult, errorResult, callTool };
}

#include "config/config.hpp"

namespace cmcp::config {

std::string usage_text() {
    return R"(credentials-mcp — an MCP server to audit, create, protect, rotate and revoke cloud
credentials: Scaleway Functions tokens, IAM JWTs, Secret Manager secrets, PlanetScale
service tokens (23 tools).

Usage:
  credentials-mcp stdio [options]   MCP over stdin/stdout (Claude Desktop, Claude Code, VS Code, Cursor)
  credentials-mcp http  [options]   MCP over Streamable HTTP at http://HOST:PORT/mcp
  credentials-mcp rest  [options]   The same tools as plain REST at http://HOST:PORT/v1/...
  credentials-mcp tools [options]   Print the tools the options select (name, toolset, hints)
  credentials-mcp sandbox [--listen HOST:PORT]
                                    Serve only the upstream simulator (what --sandbox embeds) at
                                    http://HOST:PORT until SIGTERM/SIGINT, e.g. for benchmarks;
                                    it accepts the credentials in SCW_SECRET_KEY and
                                    PLANETSCALE_SERVICE_TOKEN_ID + PLANETSCALE_SERVICE_TOKEN
                                    (both required), so a server with the same environment and
                                    SCALEWAY_API_URL / PLANETSCALE_API_URL set to that address
                                    calls it like the real APIs.
  credentials-mcp --help | --version

Options override the environment variables named with them. A configuration error is one
line on stderr and exit code 2.

Which tools are offered (lists are comma-separated):
  --toolsets LIST          Tools of these toolsets: scaleway-functions, scaleway-iam,
                           scaleway-secrets, planetscale.           Env CREDENTIALS_MCP_TOOLSETS
  --tools LIST             These tools (added to --toolsets; alone, only these).
                                                                    Env CREDENTIALS_MCP_TOOLS
  --exclude-tools LIST     Never these tools; wins over --toolsets and --tools.
                                                                    Env CREDENTIALS_MCP_EXCLUDE_TOOLS
  --read-only              Only read-only tools; wins over everything.
                                                                    Env CREDENTIALS_MCP_READ_ONLY=1
  Unknown names are an error listing the valid ones. Over HTTP a client can narrow the set
  further (never widen it) with headers X-MCP-Toolsets, X-MCP-Tools, X-MCP-Exclude-Tools and
  X-MCP-Readonly: true.

Behaviour (both modes):
  --sandbox                Call an embedded simulator of the upstream APIs instead of the real
                           ones; demo data, no account needed; real credentials are not used.
  --audit-log PATH         Append one JSON line per call of a tool that is not read-only (time,
                           client, principal, credential by name, request id, tool, arguments
                           with secrets redacted, upstream status, whether the request was
                           sent, duration, outcome) and per refused request.
                           Same as --audit-sink file:PATH.          Env CREDENTIALS_MCP_AUDIT_LOG
  --audit-sink SINK        Where audit lines go: file:PATH, stdout (HTTP mode only) or syslog
                           (facility authpriv). Repeatable; a line counts as written when
                           one sink took it. SIGHUP reopens files (log rotation).
  --audit-required         Refuse a call of a tool that is not read-only when its audit line
                           cannot be written first; read-only tools are still served.
  --max-result-bytes N     Largest tool result given to a model (default 65536); list results
                           beyond it are cut, with a note on how to page.
                                                                    Env CREDENTIALS_MCP_MAX_RESULT_BYTES
  --log-level LEVEL        stderr log level: debug, info, notice, warning, error (default info).
                                                                    Env CREDENTIALS_MCP_LOG_LEVEL
  --max-calls N            Tool calls in flight at once, over all clients; beyond it a call
                           is refused with an error result, nothing sent (default 256).
  --max-message-bytes N    Largest stdio message accepted (default 4194304).
  --shutdown-grace S       Seconds in-flight calls may finish at shutdown (default 10).
  --connect-timeout-ms MS  Upstream resolve + connect + TLS handshake limit (default 5000).
  --read-timeout-ms MS     Limit for one attempt's whole upstream response (default 30000).
  --call-timeout-ms MS     Limit for everything one tool call does upstream: every attempt
                           and every wait between them (default 60000).
  --max-response-bytes N   Largest upstream response accepted (default 8388608).
  --max-attempts N         Attempts for idempotent calls on 429/502/503/504/connection errors
                           (default 4, exponential backoff with jitter).

HTTP mode (`http`: MCP; `rest`: the REST face alone, default 127.0.0.1:8080):
  --listen HOST:PORT       Address to serve (default 127.0.0.1:9090); /mcp, /healthz (alive),
                           /readyz (ready for traffic), /metrics. Also the address of
                           `sandbox` (port 0: any free port).
  --rest-listen HOST:PORT  With `http`, also serve the REST face there: one resource per
                           tool, /v1 + the vendor's path and method, RFC 9457 problems,
                           /v1/openapi.json (OpenAPI 3.1). Same auth, tools and audit.
  --stateless              No sessions: every request is self-contained (for load balancers).
  --auth-token-file PATH   Accepted bearer tokens, one per line.     Env CREDENTIALS_MCP_AUTH_TOKEN_FILE
                           Env CREDENTIALS_MCP_AUTH_TOKENS takes a comma-separated list.
  --principals FILE        Who may call, with whose upstream credentials and which tools:
                           JSON naming each principal, its bearer token SHA-256 hashes or
                           OAuth claims, its Scaleway/PlanetScale credentials by reference
                           (env:NAME, file:PATH), defaults and tool ceiling. Reloaded on
                           SIGHUP (a broken file keeps the old one). See README, "Fleets".
                                                                    Env CREDENTIALS_MCP_PRINCIPALS_FILE
  --oauth-issuer URL       Accept OAuth 2.1 access tokens (JWT) from this authorization
                           server; its keys come from its metadata. https:// unless loopback.
                           Serves /.well-known/oauth-protected-resource. Scopes:
                           credentials:read, credentials:write, credentials:delete.
  --oauth-resource URL     This server's canonical URL, the audience tokens must name
                           (default http://HOST:PORT/mcp from --listen).
  --allow-unauthenticated  Allow a non-loopback --listen without bearer tokens (logs a warning).
  --allowed-origins LIST   Extra allowed Origin values (default: localhost, 127.0.0.1, [::1]).
  --allowed-hosts LIST     Extra allowed Host names (default: localhost, 127.0.0.1, [::1]).
  --max-sessions N         Live sessions; at the cap the least recently used idle session
                           of the same bearer token is evicted (default 1000).
  --session-idle-timeout S Seconds before an idle session expires (default 1800).
  --max-body-bytes N       Largest request body (default 4194304).
  --max-connections N      Concurrent connections (default 512).
  --io-threads N           I/O threads (default: one per core). A tool call runs on the
                           thread that serves its connection, as a coroutine: waiting for
                           the upstream takes no thread.
  --drain-seconds S        On SIGTERM/SIGINT, first keep serving for S seconds with /readyz
                           answering 503 and every response closing its connection, so a
                           load balancer takes the replica out; then stop accepting, let
                           calls finish (--shutdown-grace) and exit. A second signal stops
                           at once. Default 0.                 Env CREDENTIALS_MCP_DRAIN_SECONDS

Upstream credentials and defaults (environment only):
  SCW_SECRET_KEY           Scaleway API secret key (also read: SCALEWAY_API_KEY).
  SCW_DEFAULT_REGION       Region used when a call omits it (fr-par, nl-ams, pl-waw).
  SCW_DEFAULT_PROJECT_ID   Project used by create-secret when omitted.
  SCW_DEFAULT_ORGANIZATION_ID  Organization used by list-secrets when omitted.
  PLANETSCALE_SERVICE_TOKEN_ID + PLANETSCALE_SERVICE_TOKEN
                           PlanetScale service token (also read: PLANETSCALE_API_KEY, either
                           "id:token" or an OAuth access token sent as Bearer).
  PLANETSCALE_ORG          Organization used when a call omits it.
  SCALEWAY_API_URL, PLANETSCALE_API_URL  Override the API base URLs (proxies, tests).
)";
}

}  // namespace cmcp::config

#pragma once

#include <memory>

#include "protocol/session.hpp"
#include "support/logging.hpp"
#include "transport/http/http_options.hpp"

namespace cmcp::transport::http {

class Metrics;

// MCP Streamable HTTP (2025-03-26 .. 2025-11-25) on one endpoint, /mcp:
//  - POST carries one JSON-RPC message (or a 2025-03-26 batch). Requests are answered with
//    application/json, or with a text/event-stream when progress or log notifications come
//    before the response; notifications and client responses get 202.
//  - GET is answered 405: this server never sends unprompted messages, so a standalone SSE
//    stream would only hold a connection open. DELETE ends a session (stateful mode).
//  - Sessions: Mcp-Session-Id (128 random bits) from initialize on, usable only with the bearer
//    token that opened it; idle expiry; a cap, at which the least recently used idle session
//    makes room (503 only when every session is busy).
//    Stateless mode serves every POST on a fresh session and sends no session id.
//  - Host/Origin checks (DNS rebinding), optional static bearer tokens, size and time limits;
//    requests with ambiguous framing (RFC 9112: Transfer-Encoding, several Hosts) are refused
//    and their connection closed.
// /healthz and /metrics (Prometheus) share the Host/Origin checks but not the bearer token.
class HttpServer {
  public:
    // Binds and listens; throws std::runtime_error with a clear message if it cannot.
    HttpServer(const protocol::Services& services, HttpServerOptions options, Metrics& metrics,
               Logger logger);
    // run() must have returned (or never been called).
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    unsigned short port() const;
    // Serves on options.io_threads threads (the caller's among them) until stop() and the
    // drain; returns 0.
    int run();
    // Thread-safe and idempotent: stops accepting, lets calls in flight finish within
    // shutdown_grace, cancels the rest, closes every connection and makes run() return.
    void stop();

  private:
    class Core;
    std::unique_ptr<Core> core_;
};

}  // namespace cmcp::transport::http

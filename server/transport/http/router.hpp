#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "identity/authenticator.hpp"
#include "protocol/session.hpp"
#include "support/logging.hpp"
#include "transport/http/gzip.hpp"
#include "transport/http/http_options.hpp"
#include "transport/http/metrics.hpp"
#include "transport/http/origin_policy.hpp"
#include "transport/http/prepared_body.hpp"
#include "transport/http/readiness.hpp"
#include "transport/http/session_store.hpp"
#include "transport/rest/rest_api.hpp"

namespace cmcp::transport::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using RequestHead = boost::beast::http::request_header<>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// JSON-RPC code for refusals made by the transport, not the session (like the reference SDK).
// Outside -32020..-32099, which newer MCP revisions reserve.
inline constexpr int kTransportErrorCode = -32000;

// A response with a JSON-RPC error body (id null unless given).
Response error_response(boost::beast::http::status status, std::string_view message,
                        int code = kTransportErrorCode, const boost::json::value& id = nullptr);

// An answer known as soon as the request is read.
struct Reply {
    Response response;
    std::string rejection;   // why the request was refused, for the warning log; empty if not
    std::string session_id;  // for the log
    // When set, the body sent instead of response.body() (which is then empty): a prepared
    // reply, written without copying.
    std::optional<PreparedBody::value_type> prepared = std::nullopt;
};

// A POST whose message goes to an MCP session; the answer comes later, through an Exchange.
struct Dispatch {
    std::shared_ptr<protocol::Session> session;
    ActiveRequest activity;         // keeps a stored session from expiring meanwhile
    std::string session_id;         // for the log; empty when stateless or not created yet
    bool creates_session = false;   // an initialize without Mcp-Session-Id
    bool expects_response = false;  // the message holds at least one request
    bool accepts_gzip = false;      // Accept-Encoding allows a gzip answer
    bool modern = false;            // an MCP 2026-07-28 request: a client that disconnects
                                    // cancels it
    boost::json::value message;
    std::string new_session_id;  // set when this initialize would open a session
    // The bearer credential of this initialize, which the new session is bound to; none when
    // no tokens are configured.
    std::optional<Credential> owner;
    // The client's X-MCP-* narrowing for this request; empty when it sent none.
    catalog::Narrowing narrowing;
    // Who the request acts as (principal, OAuth scopes); unset: the server's own.
    std::optional<protocol::Acting> acting;
    // A REST request: its tool and path; the reply becomes a REST answer.
    std::string rest_tool;
    std::string rest_instance;
    protocol::RequestScope scope(boost::asio::any_io_executor executor) const {
        return {narrowing.empty() ? nullptr : &narrowing, std::move(executor),
                acting ? &*acting : nullptr};
    }
};

using Action = std::variant<Reply, Dispatch>;

// What the head of a request established before its body was read.
struct Admission {
    // Who sent it (to /mcp); a default Caller without authentication.
    identity::Caller caller;
};

// The request's token names issuer keys the server has yet to fetch: the connection calls
// Router::fetch_keys() and screens the request again when they are in.
using KeysNeeded = identity::KeysNeeded;

// The HTTP semantics of the server, free of sockets: a request in, a Reply or a Dispatch out.
// Endpoints: /mcp (Streamable HTTP), /healthz (alive), /readyz (wants traffic: 503 once a drain
// started) and /metrics. The last three need no bearer token, so that probes and scrapers work
// without the MCP credential; they reveal no session data.
// Thread-safe.
class Router {
  public:
    Router(const protocol::Services& services, const HttpServerOptions& options,
           OriginPolicy origins, std::shared_ptr<const identity::Authenticator> auth,
           SessionStore& sessions, const Metrics& metrics, const Readiness& readiness,
           Logger logger);

    // Judges a request by its head alone: Host, Origin, headers that must not repeat, a known
    // path, and for /mcp the bearer token. A refusal is final: the connection answers it
    // without reading the body (nor inviting it with 100 Continue), so an unauthenticated
    // client cannot make the server buffer anything.
    // `client` names the peer for the audit log of refusals.
    std::variant<Admission, Reply, KeysNeeded> screen(const RequestHead& head,
                                                      std::string_view client = "http") const;
    // Fetches the issuer's keys (see KeysNeeded); `done` runs through `executor` afterwards.
    void fetch_keys(boost::asio::any_io_executor executor, std::function<void()> done) const;
    // The whole request, whose head screen() admitted. `client` names the peer for the audit
    // log of stateless requests (its address).
    Action route(const Request& request, const Admission& admission,
                 std::string_view client = "http");
    // screen() then route(), for callers that hold the whole request already.
    Action route(const Request& request, std::string_view client = "http");
    // The answer to a Dispatch that sent no notifications (so nothing is on the wire yet).
    // `reply` is what the session finished with. Registers a new session on initialize success.
    Reply conclude(Dispatch& dispatch, std::optional<boost::json::value> reply);
    // In the REST face, a refusal's JSON-RPC error body becomes an RFC 9457 problem (same
    // status and headers); nothing changes in the MCP face.
    void shape(Response& response) const;
    bool rest() const { return options_.rest; }
    // The same for a reply the session prepared (the cached tools/list answer): sent as it is,
    // gzip-compressed (from a form compressed once) when the client accepts that.
    Reply conclude_prepared(Dispatch& dispatch, protocol::PreparedReply reply);

  private:
    Action route_rest(const Request& request, const identity::Caller& caller,
                      std::string_view client);
    Reply openapi(const Request& request) const;
    static std::optional<protocol::Acting> acting_of(const identity::Caller& caller);
    Action route_mcp(const Request& request, const identity::Caller& caller,
                     std::string_view client);
    Action post(const Request& request, std::string_view version_header, std::string_view client,
                const identity::Caller& caller);
    // 401, 403 or 503 for a refused authentication, with the challenge the client needs.
    Reply refuse(const identity::Denial& denial) const;
    // 403 insufficient_scope when the message calls a tool the token's scopes do not cover.
    std::optional<Reply> scope_refusal(const boost::json::value& message,
                                       const identity::Caller& caller,
                                       std::string_view client) const;
    // GET /.well-known/oauth-protected-resource[/mcp]: RFC 9728 metadata.
    Reply protected_resource_metadata(const Request& request) const;
    // The resource_metadata URL challenges point to.
    std::string resource_metadata_url() const;
    void audit_denial(std::string_view client, std::string_view principal, std::string_view outcome,
                      std::string_view reason, std::string_view tool = {}) const;
    Reply end_session(const Request& request, const std::optional<Credential>& credential);
    Reply unsupported_version(std::string_view version) const;
    std::optional<Reply> modern_refusal(const Request& request, const boost::json::value& message,
                                        std::string_view version_header) const;
    // Stores a new session, evicting the least recently used idle one of the same owner at the
    // cap; false when there is none.
    bool admit(const std::shared_ptr<HttpSession>& session, const std::optional<Credential>& owner);
    // X-MCP-Toolsets / -Tools / -Exclude-Tools / -Readonly as a narrowing (empty when none
    // was sent), or why they are unusable.
    std::variant<catalog::Narrowing, std::string> narrowing_from_headers(
        const RequestHead& request) const;
    // The compressed form of a prepared reply's constant part; null when more distinct prepared
    // replies exist than are worth keeping compressed.
    std::shared_ptr<const GzipPrefix> gzip_prefix(const protocol::PreparedReply& reply);

    const protocol::Services& services_;
    const HttpServerOptions& options_;
    const OriginPolicy origins_;
    const std::shared_ptr<const identity::Authenticator> auth_;
    SessionStore& sessions_;
    const Metrics& metrics_;
    const Readiness& readiness_;
    Logger logger_;
    std::shared_ptr<const rest::RestApi> rest_api_;  // the REST face only

    // Keyed by the prepared reply's constant pieces; each entry keeps its body alive, so a key
    // is never reused for other text.
    struct GzipEntry {
        std::shared_ptr<const std::string> body;
        std::shared_ptr<const GzipPrefix> prefix;
    };
    std::mutex gzip_mutex_;
    std::map<std::pair<const char*, const std::string*>, GzipEntry> gzip_prefixes_;
};

}  // namespace cmcp::transport::http

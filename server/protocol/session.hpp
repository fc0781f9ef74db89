#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/catalog.hpp"
#include "identity/tool_scopes.hpp"
#include "protocol/audit.hpp"
#include "protocol/call_limit.hpp"
#include "protocol/exchange.hpp"
#include "support/log_level.hpp"
#include "support/logging.hpp"
#include "upstream/upstream.hpp"

namespace cmcp::protocol {

struct ServerIdentity {
    std::string name;
    std::string version;
    std::string title;
    std::string instructions;

    // As results name the server: {name, version, title}.
    boost::json::object info() const;
};

// Called once per finished tool call; `outcome` is "ok", "error" (isError result),
// "invalid_arguments", "busy" or "cancelled"; `era` "legacy" or "modern". Used for metrics.
using ToolCallObserver = std::function<void(std::string_view tool, std::string_view outcome,
                                            std::string_view era, std::chrono::milliseconds)>;

// What every session shares. Owned by the application; outlives all sessions.
struct Services {
    const catalog::Catalog& catalog;
    upstream::Upstream& upstream;
    CallLimit& calls;
    Logger logger;
    ServerIdentity identity;
    ToolCallObserver on_tool_call;  // may be empty
    AuditRecorder audit;            // may be empty
    // The server's own upstream credentials, for naming them in the audit log; may be null.
    std::shared_ptr<const upstream::CredentialSet> own_credentials = nullptr;
};

struct SessionOptions {
    // Stateless HTTP serves each request on a fresh session, without initialize.
    bool require_initialize = true;
    // The version to assume before (or without) initialize.
    std::optional<std::string> protocol_version;
    // notifications/message below this level are not sent until logging/setLevel says so.
    LogLevel client_log_level = LogLevel::warning;
    // Who is on the other end, for the audit log: "stdio", "session 1a2b3c4d", ...
    std::string client = "stdio";
    // Narrows the served tools for this session's whole life (HTTP X-MCP-* headers on
    // initialize); a narrowing can hide tools, never add any.
    catalog::Narrowing narrowing;
    // Callers are told apart (HTTP bearer tokens), so what one is served may not be what
    // another would be: modern tools/list results are then cacheable privately only.
    bool callers_differ = false;
};

// Why calls in flight are stopped. The client ended the session (or let it expire): nobody is
// waiting, so nothing is sent. The server is shutting down: clients are still waiting, so each
// call is answered with an error saying so.
enum class CancelReason { session_ended, server_shutdown };

// What one inbound message carries besides its JSON (HTTP headers of that request), and what
// its transport offers for it.
// Who a request acts as, when the transport knows (HTTP with principals or OAuth): the tools it
// may see and call, whose upstream credentials its calls carry, and its name in the audit log.
// Null members mean the server's own.
struct Acting {
    std::string principal;  // empty: none named
    std::shared_ptr<const catalog::Catalog> catalog;
    std::shared_ptr<const upstream::CredentialSet> credentials;
    unsigned tool_classes = identity::kAllToolClasses;  // what the OAuth scopes allow
};

struct RequestScope {
    const catalog::Narrowing* narrowing = nullptr;  // further narrowing for this request
    // Where the message's tool calls run, as coroutines: the transport's own executor (the HTTP
    // connection's strand, the stdio loop), so that a request and its upstream exchange stay
    // on one thread. Required for tools/call.
    boost::asio::any_io_executor executor;
    const Acting* acting = nullptr;
};

// One MCP session: the JSON-RPC dispatcher and lifecycle state, free of any transport.
// A message goes in through handle(); everything it causes comes out through its Exchange,
// possibly later, from the tool call's coroutine on RequestScope::executor.
class Session : public std::enable_shared_from_this<Session> {
    struct PrivateTag {};  // sessions are always shared (tool calls keep theirs alive)

  public:
    static std::shared_ptr<Session> create(const Services& services, SessionOptions options = {});
    Session(PrivateTag, const Services& services, SessionOptions options);
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    ~Session();

    // Parses one JSON text (an object, or an array when batches are allowed) and dispatches it.
    void handle_text(std::string_view text, std::shared_ptr<Exchange> exchange,
                     RequestScope scope = {});
    void handle(const boost::json::value& message, std::shared_ptr<Exchange> exchange,
                RequestScope scope = {});

    std::optional<std::string> protocol_version() const;
    bool initialized() const;
    std::size_t calls_in_flight() const;
    // Stops every call in flight; their exchanges finish without a response.
    void cancel_all(CancelReason reason = CancelReason::session_ended);
    // True once every call has been answered (its exchange finished) or cancelled and its
    // coroutine has ended (its call slot given back), so a transport and the Services may be
    // torn down; false if the deadline passed first.
    bool wait_idle(std::chrono::steady_clock::time_point deadline) const;

  private:
    struct Call;
    class BatchExchange;

    // Which era a request is served in. A modern request names 2026-07-28 in params._meta and
    // is served on its own; a legacy one belongs to the initialize handshake. Stdio connections
    // (one Session) take their era from their first message: once it was modern, a request
    // without the envelope is a malformed modern request, unless it is initialize (a dual-era
    // client falling back after server/discover).
    enum class Era { undecided, legacy, modern };
    // Per modern request: what its envelope asked for.
    struct ModernRequest {
        std::optional<LogLevel> log_level;
    };

    void handle_single(const boost::json::value& message, const std::shared_ptr<Exchange>& exchange,
                       RequestScope scope);
    void handle_modern_request(const boost::json::value& id, std::string_view method,
                               const boost::json::object& params,
                               const std::shared_ptr<Exchange>& exchange, RequestScope scope);
    boost::json::value discover(const boost::json::value& id) const;
    void list_tools(const boost::json::value& id, const boost::json::object& params,
                    const std::shared_ptr<Exchange>& exchange, RequestScope scope,
                    bool modern) const;
    // A result (or isError result) in the shape its era wants.
    boost::json::value result_message(const boost::json::value& id, boost::json::object result,
                                      bool modern) const;
    void handle_request(const boost::json::value& id, std::string_view method,
                        const boost::json::object& params,
                        const std::shared_ptr<Exchange>& exchange, RequestScope scope);
    bool visible(const catalog::Tool& tool, RequestScope scope) const;
    // The catalog a request's tools come from: its principal's, else the server's.
    const catalog::Catalog& catalog_for(RequestScope scope) const;
    // Who and what an audit line names.
    struct AuditSubject {
        std::string principal;
        std::string credential;  // where the credential came from ("env:..."), never its value
        std::string request_id;
    };
    AuditSubject audit_subject(const catalog::Tool& tool, const boost::json::value& id,
                               RequestScope scope) const;
    // Whether the line was written (it always is without --audit-required's sinks failing).
    bool audit(const catalog::Tool& tool, const boost::json::object& arguments,
               const AuditSubject& subject, std::optional<int> upstream_status, bool request_sent,
               std::chrono::milliseconds duration, std::string_view outcome,
               std::string_view event = "call") const;
    void handle_notification(std::string_view method, const boost::json::object& params);

    boost::json::value initialize(const boost::json::value& id, const boost::json::object& params);
    void call_tool(const boost::json::value& id, const boost::json::object& params,
                   const std::shared_ptr<Exchange>& exchange, RequestScope scope,
                   std::optional<ModernRequest> modern = std::nullopt);
    boost::asio::awaitable<void> run_call(std::shared_ptr<Call> call);
    void complete_call(Call& call, std::optional<boost::json::value> reply,
                       std::string_view outcome);
    // Stops a call in flight and audits it. With `answer_because` server_shutdown the client
    // still waits and gets an error saying whether the request had gone out; otherwise nothing
    // is sent (a cancelled request is never answered).
    void cancel_call(const std::string& key, std::string_view reason,
                     std::optional<CancelReason> answer_because);
    void send_progress(Call& call, const upstream::CallControl::Progress& progress);
    void send_log(Call& call, LogLevel level, const std::string& message);

    const Services& services_;
    const SessionOptions options_;

    mutable std::mutex mutex_;
    mutable std::condition_variable idle_;
    bool initialized_ = false;
    Era era_ = Era::undecided;
    std::optional<std::string> version_;
    std::string client_name_;
    LogLevel client_log_level_;
    std::map<std::string, std::shared_ptr<Call>> calls_;  // in flight, by id_key
    std::size_t replies_in_progress_ = 0;                 // finished calls still writing
    // Coroutines whose completion (which touches services_) has yet to run; a call answered
    // by cancel_call() may still be running.
    std::size_t coroutines_ = 0;
};

}  // namespace cmcp::protocol

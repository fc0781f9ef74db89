#include "protocol/session.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <cmath>

#include "catalog/call_result.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/modern.hpp"
#include "protocol/versions.hpp"
#include "support/json_text.hpp"
#include "support/text.hpp"
#include "upstream/credentials.hpp"

namespace cmcp::protocol {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

constexpr std::string_view kLoggerName = "credentials-mcp";

bool is_progress_token(const json::value& token) {
    return token.is_string() || token.is_number();
}

// Whole numbers as integers: Boost.JSON writes the double 1.0 as 1E0, which is valid JSON but
// reads oddly in a client's log.
json::value readable_number(double number) {
    if (std::trunc(number) == number && std::abs(number) < 1e15) {
        return json::value(static_cast<std::int64_t>(number));
    }
    return json::value(number);
}

// How long a client may keep what server/discover and tools/list said. The catalog only changes
// when the operator restarts the server with other flags, so a few minutes of staleness at most.
constexpr long long kCacheTtlMs = 5 * 60 * 1000;

constexpr std::string_view kMissingEnvelope =
    "Invalid params: missing the required per-request envelope (params._meta with "
    "io.modelcontextprotocol/protocolVersion and io.modelcontextprotocol/clientCapabilities): "
    "this connection speaks MCP 2026-07-28; send initialize to use an earlier revision";

}  // namespace

json::object ServerIdentity::info() const {
    return {{"name", name}, {"version", version}, {"title", title}};
}

// One tools/call in flight. `done` turns true exactly once: when the response is sent or the
// call is cancelled; after that nothing more goes to the exchange.
struct Session::Call {
    Call(Session& session, json::value request_id, std::shared_ptr<Exchange> call_exchange,
         std::optional<json::value> token, const catalog::Tool& call_tool,
         catalog::PreparedCall call_prepared, std::optional<ModernRequest> modern_request,
         std::shared_ptr<const catalog::Catalog> tool_catalog, AuditSubject subject)
        : catalog(std::move(tool_catalog)),
          audit_subject(std::move(subject)),
          id(std::move(request_id)),
          key(id_key(id)),
          exchange(std::move(call_exchange)),
          progress_token(std::move(token)),
          tool(call_tool),
          prepared(std::move(call_prepared)),
          modern(modern_request),
          control(
              [&session, this](const upstream::CallControl::Progress& progress) {
                  session.send_progress(*this, progress);
              },
              [&session, this](LogLevel level, const std::string& message) {
                  session.send_log(*this, level, message);
              }) {}

    // The principal's catalog that `tool` belongs to, kept for the call's life (a reload may
    // replace it meanwhile); null for the server's own.
    const std::shared_ptr<const catalog::Catalog> catalog;
    const AuditSubject audit_subject;
    const json::value id;
    const std::string key;
    const std::shared_ptr<Exchange> exchange;
    const std::optional<json::value> progress_token;
    const catalog::Tool& tool;
    const catalog::PreparedCall prepared;
    const std::optional<ModernRequest> modern;  // set for a 2026-07-28 request
    const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    // Where the call's coroutine runs, and how cancel_call() stops it there.
    net::any_io_executor executor;
    net::cancellation_signal cancellation;
    std::mutex mutex;
    bool done = false;
    double last_progress = -1;
    upstream::CallControl control;
};

// Collects the replies of a 2025-03-26 batch into one array.
class Session::BatchExchange {
  public:
    BatchExchange(std::shared_ptr<Exchange> parent, std::size_t pending)
        : parent_(std::move(parent)), pending_(pending) {}

    void notify(json::object notification) {
        std::lock_guard lock(mutex_);
        parent_->notify(std::move(notification));
    }

    void finish_one(std::optional<json::value> reply) {
        std::lock_guard lock(mutex_);
        if (reply) {
            replies_.push_back(std::move(*reply));
        }
        if (--pending_ == 0) {
            parent_->finish(replies_.empty() ? std::nullopt
                                             : std::optional<json::value>(std::move(replies_)));
        }
    }

  private:
    std::mutex mutex_;
    std::shared_ptr<Exchange> parent_;
    std::size_t pending_;
    json::array replies_;
};

namespace {

class BatchElement final : public Exchange {
  public:
    using Notify = std::function<void(json::object)>;
    using Finish = std::function<void(std::optional<json::value>)>;
    BatchElement(Notify notify_fn, Finish finish_fn)
        : notify_(std::move(notify_fn)), finish_(std::move(finish_fn)) {}
    void notify(json::object notification) override { notify_(std::move(notification)); }
    void finish(std::optional<json::value> reply) override { finish_(std::move(reply)); }

  private:
    Notify notify_;
    Finish finish_;
};

}  // namespace

std::shared_ptr<Session> Session::create(const Services& services, SessionOptions options) {
    return std::make_shared<Session>(PrivateTag{}, services, std::move(options));
}

Session::Session(PrivateTag, const Services& services, SessionOptions options)
    : services_(services),
      options_(std::move(options)),
      version_(options_.protocol_version),
      client_log_level_(options_.client_log_level) {}

Session::~Session() = default;

std::optional<std::string> Session::protocol_version() const {
    std::lock_guard lock(mutex_);
    return version_;
}

bool Session::initialized() const {
    std::lock_guard lock(mutex_);
    return initialized_;
}

std::size_t Session::calls_in_flight() const {
    std::lock_guard lock(mutex_);
    return calls_.size();
}

bool Session::wait_idle(std::chrono::steady_clock::time_point deadline) const {
    std::unique_lock lock(mutex_);
    return idle_.wait_until(lock, deadline, [this] {
        return calls_.empty() && replies_in_progress_ == 0 && coroutines_ == 0;
    });
}

void Session::cancel_all(CancelReason reason) {
    std::vector<std::string> keys;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [key, call] : calls_) {
            keys.push_back(key);
        }
    }
    for (const auto& key : keys) {
        cancel_call(
            key, reason == CancelReason::server_shutdown ? "server shutting down" : "session ended",
            reason);
    }
}

void Session::handle_text(std::string_view text, std::shared_ptr<Exchange> exchange,
                          RequestScope scope) {
    std::string error;
    auto message = parse_message(text, error);
    if (!message) {
        exchange->finish(
            json::value(make_error(nullptr, error_code::parse_error, "Parse error: " + error)));
        return;
    }
    handle(*message, std::move(exchange), scope);
}

void Session::handle(const json::value& message, std::shared_ptr<Exchange> exchange,
                     RequestScope scope) {
    const auto* batch = message.if_array();
    if (batch == nullptr) {
        handle_single(message, exchange, scope);
        return;
    }
    if (std::any_of(batch->begin(), batch->end(),
                    [](const json::value& element) { return modern::claims_modern(element); })) {
        exchange->finish(json::value(make_error(
            nullptr, error_code::invalid_request,
            "Invalid Request: JSON-RPC batches may not contain requests for protocol revision " +
                std::string(modern::kVersion) + " or later")));
        return;
    }
    const auto version = protocol_version();
    if (!version || !features_of(*version).batches) {
        exchange->finish(json::value(make_error(
            nullptr, error_code::invalid_request,
            "Invalid Request: JSON-RPC batches are only accepted after initialize negotiated "
            "protocol version 2025-03-26" +
                (version ? std::string(" (this session uses ") + *version + ")" : std::string()))));
        return;
    }
    if (batch->empty()) {
        exchange->finish(json::value(
            make_error(nullptr, error_code::invalid_request, "Invalid Request: empty batch")));
        return;
    }
    auto collector = std::make_shared<BatchExchange>(exchange, batch->size());
    for (const auto& element : *batch) {
        auto element_exchange = std::make_shared<BatchElement>(
            [collector](json::object notification) { collector->notify(std::move(notification)); },
            [collector](std::optional<json::value> reply) {
                collector->finish_one(std::move(reply));
            });
        const auto* object = element.if_object();
        const auto* method = object == nullptr ? nullptr : object->if_contains("method");
        if (method != nullptr && method->is_string() && method->get_string() == "initialize") {
            const auto* id = object->if_contains("id");
            element_exchange->finish(json::value(
                make_error(id != nullptr && is_valid_id(*id) ? *id : json::value(nullptr),
                           error_code::invalid_request,
                           "Invalid Request: initialize must not be part of a batch")));
            continue;
        }
        handle_single(element, element_exchange, scope);
    }
}

void Session::handle_single(const json::value& message, const std::shared_ptr<Exchange>& exchange,
                            RequestScope scope) {
    const auto* object = message.if_object();
    if (object == nullptr) {
        exchange->finish(
            json::value(make_error(nullptr, error_code::invalid_request,
                                   "Invalid Request: a JSON-RPC message must be an object")));
        return;
    }
    const auto* id = object->if_contains("id");
    const json::value reply_id = id != nullptr && is_valid_id(*id) ? *id : json::value(nullptr);
    const auto* version = object->if_contains("jsonrpc");
    if (version == nullptr || !version->is_string() || version->get_string() != "2.0") {
        exchange->finish(json::value(make_error(reply_id, error_code::invalid_request,
                                                "Invalid Request: \"jsonrpc\" must be \"2.0\"")));
        return;
    }
    const auto* method = object->if_contains("method");
    if (method == nullptr) {
        if (id != nullptr && (object->contains("result") || object->contains("error"))) {
            // A response to a server-to-client request; this server sends none, so drop it.
            exchange->finish(std::nullopt);
            return;
        }
        exchange->finish(json::value(
            make_error(reply_id, error_code::invalid_request, "Invalid Request: no \"method\"")));
        return;
    }
    if (!method->is_string()) {
        exchange->finish(json::value(make_error(reply_id, error_code::invalid_request,
                                                "Invalid Request: \"method\" must be a string")));
        return;
    }
    if (id != nullptr && !is_valid_id(*id)) {
        exchange->finish(json::value(
            make_error(nullptr, error_code::invalid_request,
                       "Invalid Request: \"id\" must be a string or a number (and never null)")));
        return;
    }
    static const json::object kNoParams;
    const json::object* params = &kNoParams;
    if (const auto* given = object->if_contains("params"); given != nullptr) {
        params = given->if_object();
        if (params == nullptr) {
            if (id == nullptr) {
                exchange->finish(std::nullopt);  // a notification is never answered
            } else {
                exchange->finish(json::value(make_error(*id, error_code::invalid_params,
                                                        "Invalid params: must be an object")));
            }
            return;
        }
    }
    const bool claims_modern = modern::claims_modern(message);
    Era era;
    {
        std::lock_guard lock(mutex_);
        if (era_ == Era::undecided) {
            era_ = claims_modern ? Era::modern : Era::legacy;
        } else if (!claims_modern && initialized_) {
            era_ = Era::legacy;
        }
        era = era_;
    }
    if (id == nullptr) {
        handle_notification(method->get_string(), *params);
        exchange->finish(std::nullopt);
        return;
    }
    if (claims_modern) {
        handle_modern_request(*id, method->get_string(), *params, exchange, scope);
        return;
    }
    if (era == Era::modern && method->get_string() != "initialize") {
        exchange->finish(
            json::value(make_error(*id, error_code::invalid_params, kMissingEnvelope)));
        return;
    }
    handle_request(*id, method->get_string(), *params, exchange, scope);
}

void Session::handle_modern_request(const json::value& id, std::string_view method,
                                    const json::object& params,
                                    const std::shared_ptr<Exchange>& exchange, RequestScope scope) {
    services_.logger->debug("request {} id={} (MCP {})", printable(method, 64),
                            printable(id_key(id), 64), modern::kVersion);
    auto envelope = modern::read_envelope(params);
    if (auto* refusal = std::get_if<modern::Refusal>(&envelope)) {
        exchange->finish(json::value(
            refusal->data ? make_error(id, refusal->code, refusal->message, *refusal->data)
                          : make_error(id, refusal->code, refusal->message)));
        return;
    }
    if (!modern::is_known_method(method)) {
        exchange->finish(json::value(make_error(id, error_code::method_not_found,
                                                "Method not found: " + printable(method, 64) +
                                                    " (MCP " + std::string(modern::kVersion) +
                                                    " offers server/discover, tools/list and "
                                                    "tools/call)")));
        return;
    }
    const auto& request = std::get<modern::Envelope>(envelope);
    if (method == "server/discover") {
        exchange->finish(discover(id));
        return;
    }
    if (method == "tools/list") {
        list_tools(id, params, exchange, scope, true);
        return;
    }
    call_tool(id, params, exchange, scope, ModernRequest{request.log_level});
}

json::value Session::discover(const json::value& id) const {
    json::object result{
        {"supportedVersions", supported_versions()},
        {"capabilities", json::object{{"tools", json::object{{"listChanged", false}}},
                                      {"logging", json::object()}}},
    };
    if (!services_.identity.instructions.empty()) {
        result["instructions"] = services_.identity.instructions;
    }
    // The same for every caller whoever it is: versions, capabilities, the server's own
    // instructions.
    modern::stamp_result(result, services_.identity.info(), modern::CacheHint{kCacheTtlMs, true});
    return make_result(id, std::move(result));
}

json::value Session::result_message(const json::value& id, json::object result, bool modern) const {
    if (modern) {
        modern::stamp_result(result, services_.identity.info());
    }
    return make_result(id, std::move(result));
}

void Session::handle_request(const json::value& id, std::string_view method,
                             const json::object& params, const std::shared_ptr<Exchange>& exchange,
                             RequestScope scope) {
    services_.logger->debug("request {} id={}", printable(method, 64), printable(id_key(id), 64));
    if (method == "ping") {
        exchange->finish(json::value(make_result(id, json::object())));
        return;
    }
    if (method == "initialize") {
        exchange->finish(initialize(id, params));
        return;
    }
    const bool known =
        method == "tools/list" || method == "tools/call" || method == "logging/setLevel";
    if (!known) {
        exchange->finish(json::value(make_error(id, error_code::method_not_found,
                                                "Method not found: " + std::string(method))));
        return;
    }
    if (options_.require_initialize && !initialized()) {
        exchange->finish(json::value(
            make_error(id, error_code::invalid_request,
                       "Invalid Request: the session is not initialized; send initialize first")));
        return;
    }
    if (method == "tools/list") {
        list_tools(id, params, exchange, scope, false);
        return;
    }
    if (method == "logging/setLevel") {
        const auto* level = params.if_contains("level");
        const auto parsed = level != nullptr && level->is_string()
                                ? parse_log_level(level->get_string())
                                : std::nullopt;
        if (!parsed) {
            exchange->finish(json::value(make_error(
                id, error_code::invalid_params,
                "Invalid params: level must be one of debug, info, notice, warning, error, "
                "critical, alert, emergency")));
            return;
        }
        {
            std::lock_guard lock(mutex_);
            client_log_level_ = *parsed;
        }
        exchange->finish(json::value(make_result(id, json::object())));
        return;
    }
    call_tool(id, params, exchange, scope);
}

void Session::list_tools(const json::value& id, const json::object& params,
                         const std::shared_ptr<Exchange>& exchange, RequestScope scope,
                         bool modern) const {
    if (params.contains("cursor")) {
        // Every tool fits on one page, so no cursor this server issued can exist.
        exchange->finish(json::value(
            make_error(id, error_code::invalid_params, "Invalid params: unknown cursor")));
        return;
    }
    const auto features =
        features_of(modern ? std::string(kModernVersion)
                           : protocol_version().value_or(std::string(kLatestVersion)));
    const auto& catalog = catalog_for(scope);
    const bool narrowed =
        !options_.narrowing.empty() || (scope.narrowing != nullptr && !scope.narrowing->empty()) ||
        (scope.acting != nullptr && scope.acting->tool_classes != identity::kAllToolClasses);
    // Narrowed by this request's headers: another request may narrow differently, so nothing to
    // keep. Otherwise the list is the server's whole selection: the same for every caller unless
    // callers are told apart (a later revision of access rules could serve them differently).
    const modern::CacheHint cache{narrowed ? 0 : kCacheTtlMs,
                                  !narrowed && !options_.callers_differ};
    if (!narrowed) {
        // The common case, served from text built at start-up: copying and serialising the
        // ~90 KB value for every request was nearly all of tools/list's cost. The id goes
        // last, so that everything before it is the same for every request.
        constexpr std::string_view kHead = R"({"jsonrpc":"2.0","result":{"tools":)";
        std::string tail =
            modern ? modern::stamp_text(services_.identity.info(), cache) : std::string();
        tail.append(R"(},"id":)").append(serialize_message(id)).append("}");
        exchange->finish_prepared(
            PreparedReply{kHead, catalog.list_text(features.tool_fields), std::move(tail)});
        return;
    }
    json::array tools;
    for (const auto& tool : catalog.list(features.tool_fields)) {
        const auto* served = catalog.find(tool.at("name").as_string());
        if (served != nullptr && visible(*served, scope)) {
            tools.push_back(tool);
        }
    }
    json::object result{{"tools", std::move(tools)}};
    if (modern) {
        modern::stamp_result(result, services_.identity.info(), cache);
    }
    exchange->finish(json::value(make_result(id, std::move(result))));
}

void Session::handle_notification(std::string_view method, const json::object& params) {
    services_.logger->debug("notification {}", printable(method, 64));
    if (method == "notifications/cancelled") {
        const auto* request_id = params.if_contains("requestId");
        if (request_id != nullptr && is_valid_id(*request_id)) {
            const auto* reason = params.if_contains("reason");
            cancel_call(id_key(*request_id),
                        reason != nullptr && reason->is_string()
                            ? std::string_view(reason->get_string())
                            : std::string_view("no reason given"),
                        std::nullopt);
        }
    }
    // notifications/initialized needs no action: requests are served from the initialize
    // response on. Unknown notifications are ignored, as JSON-RPC requires.
}

json::value Session::initialize(const json::value& id, const json::object& params) {
    const auto* requested = params.if_contains("protocolVersion");
    if (requested == nullptr || !requested->is_string()) {
        return make_error(id, error_code::invalid_params,
                          "Invalid params: initialize needs params.protocolVersion (a string)");
    }
    const std::string version(negotiate_version(requested->get_string()));
    std::string client = "unknown client";
    if (const auto* info = params.if_contains("clientInfo"); info != nullptr && info->is_object()) {
        const auto* name = info->get_object().if_contains("name");
        const auto* client_version = info->get_object().if_contains("version");
        if (name != nullptr && name->is_string()) {
            client = std::string(name->get_string());
            if (client_version != nullptr && client_version->is_string()) {
                client += " " + std::string(client_version->get_string());
            }
        }
    }
    {
        std::lock_guard lock(mutex_);
        if (initialized_) {
            return make_error(id, error_code::invalid_request,
                              "Invalid Request: the session is already initialized");
        }
        initialized_ = true;
        version_ = version;
        client_name_ = client;
    }
    services_.logger->info("session initialized: client \"{}\" asked for {}, using {}",
                           printable(client), printable(requested->get_string(), 32), version);
    const auto& identity = services_.identity;
    json::object result{
        {"protocolVersion", version},
        {"capabilities", json::object{{"tools", json::object{{"listChanged", false}}},
                                      {"logging", json::object()}}},
        {"serverInfo",
         json::object{
             {"name", identity.name}, {"version", identity.version}, {"title", identity.title}}},
    };
    if (!identity.instructions.empty()) {
        result["instructions"] = identity.instructions;
    }
    return make_result(id, std::move(result));
}

void Session::call_tool(const json::value& id, const json::object& params,
                        const std::shared_ptr<Exchange>& exchange, RequestScope scope,
                        std::optional<ModernRequest> modern) {
    const auto* name = params.if_contains("name");
    if (name == nullptr || !name->is_string()) {
        exchange->finish(
            json::value(make_error(id, error_code::invalid_params,
                                   "Invalid params: tools/call needs params.name (a string)")));
        return;
    }
    // A tool this client cannot see does not exist for it: same answer as an unknown name.
    const auto& catalog = catalog_for(scope);
    const auto* tool = catalog.find(name->get_string());
    if (tool == nullptr || !visible(*tool, scope)) {
        // A tool the server has but this caller may not use is a refusal worth auditing.
        const auto* hidden = tool != nullptr ? tool : services_.catalog.find(name->get_string());
        if (hidden != nullptr) {
            static const json::object kNoArguments;
            const auto* given = params.if_contains("arguments");
            audit(*hidden,
                  given != nullptr && given->is_object() ? given->get_object() : kNoArguments,
                  audit_subject(*hidden, id, scope), std::nullopt, false,
                  std::chrono::milliseconds(0), "not_visible", "denied");
        }
        json::array available;
        for (const auto& served : catalog.tools()) {
            if (visible(served, scope)) {
                available.push_back(json::value(served.definition.name));
            }
        }
        exchange->finish(
            json::value(make_error(id, error_code::invalid_params,
                                   "Unknown tool: " + printable(name->get_string(), 64) +
                                       ". Call tools/list for the tools this server offers.",
                                   json::object{{"available", std::move(available)}})));
        return;
    }
    static const json::object kNoArguments;
    const json::object* arguments = &kNoArguments;
    if (const auto* given = params.if_contains("arguments");
        given != nullptr && !given->is_null()) {
        arguments = given->if_object();
        if (arguments == nullptr) {
            exchange->finish(
                json::value(make_error(id, error_code::invalid_params,
                                       "Invalid params: params.arguments must be an object")));
            return;
        }
    }
    std::optional<json::value> progress_token;
    if (const auto* meta = params.if_contains("_meta"); meta != nullptr && meta->is_object()) {
        if (const auto* token = meta->get_object().if_contains("progressToken");
            token != nullptr && is_progress_token(*token)) {
            progress_token = *token;
        }
    }
    auto subject = audit_subject(*tool, id, scope);
    auto prepared = catalog.prepare(*tool, *arguments);
    if (auto* problem = std::get_if<std::string>(&prepared)) {
        services_.logger->info("tool {}: invalid arguments", tool->definition.name);
        if (services_.on_tool_call) {
            services_.on_tool_call(tool->definition.name, "invalid_arguments",
                                   modern ? "modern" : "legacy", std::chrono::milliseconds(0));
        }
        audit(*tool, *arguments, subject, std::nullopt, false, std::chrono::milliseconds(0),
              "invalid_arguments");
        auto result = catalog::error_result(std::move(*problem));
        catalog::mark_outcome(result, "invalid_arguments");
        exchange->finish(result_message(id, std::move(result), modern.has_value()));
        return;
    }
    auto& ready = std::get<catalog::PreparedCall>(prepared);
    if (scope.acting != nullptr) {
        ready.request.credentials = scope.acting->credentials;
    }
    auto call = std::make_shared<Call>(
        *this, id, exchange, std::move(progress_token), *tool, std::move(ready), modern,
        scope.acting != nullptr ? scope.acting->catalog : nullptr, std::move(subject));
    call->executor = scope.executor;  // before others can see the call
    {
        std::lock_guard lock(mutex_);
        if (!calls_.emplace(call->key, call).second) {
            exchange->finish(json::value(make_error(
                id, error_code::invalid_request,
                "Invalid Request: id " + call->key + " is already used by a call in progress")));
            return;
        }
    }
    if (!scope.executor || !services_.calls.try_acquire()) {
        if (scope.executor) {
            services_.logger->warn("tool {}: refused, {} calls already in flight",
                                   tool->definition.name, services_.calls.running());
        }
        audit(*tool, call->prepared.arguments, call->audit_subject, std::nullopt, false,
              std::chrono::milliseconds(0), "busy");
        auto result = catalog::error_result(
            "The server is at capacity (too many tool calls in flight); "
            "nothing was sent upstream. Call the tool again shortly.");
        catalog::mark_outcome(result, "busy");
        complete_call(*call, result_message(id, std::move(result), modern.has_value()), "busy");
        return;
    }
    if (!tool->definition.annotations.read_only &&
        !audit(*tool, call->prepared.arguments, call->audit_subject, std::nullopt, false,
               std::chrono::milliseconds(0), "started", "intent")) {
        services_.calls.release();
        auto result = catalog::error_result(
            "Refused: the audit log cannot be written, and this server requires every change "
            "to be audited (--audit-required). Nothing was sent upstream. Read-only tools "
            "still work; the server's operator must fix the audit sink.");
        catalog::mark_outcome(result, "refused");
        complete_call(*call, result_message(id, std::move(result), modern.has_value()), "refused");
        return;
    }
    // On the transport's executor, with a cancellation slot that cancel_call() signals.
    // The handler holds the call: its cancellation signal must outlive the coroutine, whose
    // slot co_spawn clears only after the coroutine has ended.
    {
        std::lock_guard lock(mutex_);
        ++coroutines_;
    }
    net::co_spawn(
        scope.executor, run_call(call),
        net::bind_cancellation_slot(call->cancellation.slot(),
                                    [self = shared_from_this(), call](const std::exception_ptr&) {
                                        self->services_.calls.release();
                                        {
                                            std::lock_guard lock(self->mutex_);
                                            --self->coroutines_;
                                        }
                                        self->idle_.notify_all();
                                    }));
}

net::awaitable<void> Session::run_call(std::shared_ptr<Call> call) {
    const auto& definition = call->tool.definition;
    const auto& request = call->prepared.request;
    try {
        const auto vendor = catalog::provider_display_name(definition.provider);
        send_progress(
            *call,
            {0, 1, "Calling " + std::string(vendor) + ": " + request.method + " " + request.path});
        const auto outcome = co_await services_.upstream.send(request, call->control);
        if (call->control.cancelled()) {
            co_return;  // cancel_call already finished the exchange
        }
        const bool structured =
            call->modern || features_of(protocol_version().value_or(std::string(kLatestVersion)))
                                .structured_content;
        auto result = catalog::make_call_result(call->tool, call->prepared, outcome, structured,
                                                services_.catalog.options().max_result_bytes,
                                                services_.logger);
        const bool is_error = result.contains("isError");
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - call->started);
        const auto* response = std::get_if<upstream::Response>(&outcome);
        const std::string_view outcome_name = is_error ? "error" : "ok";
        std::string summary =
            "tool " + definition.name + ": " + request.method + " " + request.path;
        if (response != nullptr) {
            summary += " -> HTTP " + std::to_string(response->status);
            if (response->attempts > 1) {
                summary += " after " + std::to_string(response->attempts) + " attempts";
            }
        } else {
            summary += " -> " +
                       std::string(upstream::to_string(std::get<upstream::Failure>(outcome).kind));
        }
        summary += " in " + std::to_string(elapsed.count()) + " ms";
        services_.logger->info("{}", summary);
        // Retries already warned; the outcome itself is in the result, so only detail levels.
        send_log(*call, is_error ? LogLevel::info : LogLevel::debug, summary);
        // Written before the result goes out, so the log holds every change a client saw.
        const auto* failure = std::get_if<upstream::Failure>(&outcome);
        audit(call->tool, call->prepared.arguments, call->audit_subject,
              response != nullptr ? std::optional<int>(response->status) : std::nullopt,
              response != nullptr || (failure != nullptr && failure->request_sent), elapsed,
              outcome_name);
        send_progress(*call, {1, 1, is_error ? "Failed" : "Done"});
        complete_call(*call, result_message(call->id, std::move(result), call->modern.has_value()),
                      outcome_name);
    } catch (const std::exception& error) {
        // Nothing may escape the call; the client still gets an answer.
        services_.logger->error("tool {}: internal error: {}", definition.name, error.what());
        complete_call(*call,
                      json::value(make_error(call->id, error_code::internal_error,
                                             "Internal error while running the tool; the "
                                             "operation may or may not have been applied")),
                      "error");
    }
}

bool Session::visible(const catalog::Tool& tool, RequestScope scope) const {
    return catalog::Catalog::visible(tool, options_.narrowing) &&
           (scope.narrowing == nullptr || catalog::Catalog::visible(tool, *scope.narrowing)) &&
           (scope.acting == nullptr ||
            (scope.acting->tool_classes & identity::tool_class(tool.definition.annotations)) != 0);
}

const catalog::Catalog& Session::catalog_for(RequestScope scope) const {
    return scope.acting != nullptr && scope.acting->catalog ? *scope.acting->catalog
                                                            : services_.catalog;
}

Session::AuditSubject Session::audit_subject(const catalog::Tool& tool, const json::value& id,
                                             RequestScope scope) const {
    AuditSubject subject;
    if (!services_.audit) {
        return subject;  // nothing will be written
    }
    subject.request_id = serialize_message(id);
    const upstream::CredentialSet* credentials = services_.own_credentials.get();
    if (scope.acting != nullptr) {
        subject.principal = scope.acting->principal;
        if (scope.acting->credentials) {
            credentials = scope.acting->credentials.get();
        }
    }
    if (credentials != nullptr) {
        const auto provider = tool.definition.provider;
        if (upstream::credential_for(credentials->credentials, provider)) {
            const auto& source = upstream::source_of(credentials->credentials, provider);
            subject.credential = source.empty() ? "configured" : source;
        }
    }
    return subject;
}

bool Session::audit(const catalog::Tool& tool, const json::object& arguments,
                    const AuditSubject& subject, std::optional<int> upstream_status,
                    bool request_sent, std::chrono::milliseconds duration, std::string_view outcome,
                    std::string_view event) const {
    if (!services_.audit || (tool.definition.annotations.read_only && event != "denied")) {
        return true;
    }
    return services_.audit(AuditRecord{
        event, options_.client, subject.principal, subject.credential, subject.request_id,
        tool.definition.name, arguments, upstream_status, request_sent, duration, outcome});
}

void Session::complete_call(Call& call, std::optional<json::value> reply,
                            std::string_view outcome) {
    {
        std::lock_guard lock(call.mutex);
        if (call.done) {
            return;
        }
        call.done = true;
    }
    {
        // The id is free for reuse as soon as the call ends, but the session only counts as
        // idle once the reply is written: after wait_idle() a transport may be torn down.
        std::lock_guard lock(mutex_);
        calls_.erase(call.key);
        ++replies_in_progress_;
    }
    if (services_.on_tool_call) {
        services_.on_tool_call(call.tool.definition.name, outcome,
                               call.modern ? "modern" : "legacy",
                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - call.started));
    }
    call.exchange->finish(std::move(reply));
    {
        std::lock_guard lock(mutex_);
        --replies_in_progress_;
    }
    idle_.notify_all();
}

void Session::cancel_call(const std::string& key, std::string_view reason,
                          std::optional<CancelReason> answer_because) {
    std::shared_ptr<Call> call;
    {
        std::lock_guard lock(mutex_);
        const auto found = calls_.find(key);
        if (found == calls_.end()) {
            return;  // unknown or already finished: ignoring it is what the spec asks
        }
        call = found->second;
    }
    services_.logger->info("tool {}: cancelled ({})", call->tool.definition.name,
                           printable(reason));
    call->control.cancel();
    if (call->executor) {
        // The signal belongs to the coroutine's executor; emitted there, it stops whatever the
        // call awaits (resolve, connect, TLS, write, read, a retry's wait).
        net::post(call->executor,
                  [call] { call->cancellation.emit(net::cancellation_type::terminal); });
    }
    // Settled by cancel(): from here on nothing more can be sent for this call.
    const bool sent = call->control.request_sent();
    audit(call->tool, call->prepared.arguments, call->audit_subject, std::nullopt, sent,
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                call->started),
          "cancelled");
    std::optional<json::value> answer;
    if (answer_because == CancelReason::server_shutdown) {
        const auto vendor = catalog::provider_display_name(call->tool.definition.provider);
        std::string message = "Server shutting down: the call was cancelled ";
        if (!sent) {
            message += "before anything was sent to " + std::string(vendor) + ".";
        } else if (call->tool.definition.annotations.read_only) {
            message += "while waiting for " + std::string(vendor) + ".";
        } else {
            message += "after its request was sent to " + std::string(vendor) +
                       ", so the change may have been applied: check before retrying.";
        }
        answer = make_error(call->id, error_code::internal_error, message);
    }
    complete_call(*call, std::move(answer), "cancelled");
}

void Session::send_progress(Call& call, const upstream::CallControl::Progress& progress) {
    if (!call.progress_token) {
        return;
    }
    const bool has_message = call.modern || protocol_version().value_or("") >= "2025-03-26";
    std::lock_guard lock(call.mutex);
    if (call.done || progress.progress <= call.last_progress) {
        return;  // progress must increase and stop with the response
    }
    call.last_progress = progress.progress;
    json::object params{{"progressToken", *call.progress_token},
                        {"progress", readable_number(progress.progress)}};
    if (progress.total) {
        params["total"] = readable_number(*progress.total);
    }
    if (!progress.message.empty() && has_message) {
        params["message"] = progress.message;
    }
    call.exchange->notify(make_notification("notifications/progress", std::move(params)));
}

void Session::send_log(Call& call, LogLevel level, const std::string& message) {
    if (call.modern) {
        // 2026-07-28: only what the request's envelope asked for; nothing when it asked nothing.
        if (!call.modern->log_level || level < *call.modern->log_level) {
            return;
        }
    } else {
        std::lock_guard lock(mutex_);
        if (level < client_log_level_) {
            return;
        }
    }
    std::lock_guard lock(call.mutex);
    if (call.done) {
        return;
    }
    call.exchange->notify(make_notification(
        "notifications/message",
        json::object{
            {"level", to_string(level)},
            {"logger", kLoggerName},
            {"data", json::object{{"tool", call.tool.definition.name}, {"message", message}}}}));
}

}  // namespace cmcp::protocol

#include "transport/http/router.hpp"

#include <openssl/evp.h>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>

#include "protocol/jsonrpc.hpp"
#include "protocol/modern.hpp"
#include "protocol/versions.hpp"
#include "support/json_text.hpp"
#include "support/random.hpp"
#include "support/text.hpp"
#include "transport/http/media_type.hpp"
#include "transport/rest/openapi.hpp"

namespace cmcp::transport::http {

namespace json = boost::json;
namespace beast_http = boost::beast::http;
using beast_http::field;
using beast_http::status;

namespace {

constexpr std::string_view kMcpPath = "/mcp";
constexpr std::string_view kSessionHeader = "Mcp-Session-Id";
constexpr std::string_view kVersionHeader = "MCP-Protocol-Version";
// MCP 2026-07-28: the method, and for tools/call the tool, repeated in headers so that gateways
// can route without reading bodies; they must agree with the body.
constexpr std::string_view kMethodHeader = "Mcp-Method";
constexpr std::string_view kNameHeader = "Mcp-Name";
// A client narrows the tools it sees with these; they can hide tools, never add any.
constexpr std::string_view kToolsetsHeader = "X-MCP-Toolsets";
constexpr std::string_view kToolsHeader = "X-MCP-Tools";
constexpr std::string_view kExcludeToolsHeader = "X-MCP-Exclude-Tools";
constexpr std::string_view kReadOnlyHeader = "X-MCP-Readonly";
// 128 bits from the CSPRNG, as 32 lower-case hex digits (visible ASCII, as the spec requires).
constexpr std::size_t kSessionIdBytes = 16;
// How long a client refused for lack of session slots should wait before trying again.
constexpr std::string_view kBusyRetryAfterSeconds = "5";
constexpr std::string_view kRealm = "Bearer realm=\"credentials-mcp\"";
constexpr std::string_view kMetadataPath = "/.well-known/oauth-protected-resource";
// How long a client refused because the issuer's keys are unavailable should wait.
constexpr std::string_view kKeysRetryAfterSeconds = "5";

// A quoted-string for a WWW-Authenticate parameter (RFC 9110 §5.6.4): no quotes or
// backslashes, no control characters.
std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : printable(text, 300)) {
        if (c != '"' && c != '\\') {
            out.push_back(c);
        }
    }
    return out + "\"";
}

Response make_response(status code, std::string body, std::string_view content_type) {
    Response response{code, 11};
    if (!content_type.empty()) {
        response.set(field::content_type, content_type);
    }
    response.body() = std::move(body);
    return response;
}

Reply reject(Response response, std::string reason) {
    Reply reply;
    reply.response = std::move(response);
    reply.rejection = std::move(reason);
    return reply;
}

Reply method_not_allowed(std::string_view allow) {
    auto response =
        error_response(status::method_not_allowed, "Method Not Allowed: use " + std::string(allow));
    response.set(field::allow, allow);
    return reject(std::move(response), "method not allowed");
}

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

std::optional<std::string_view> header(const RequestHead& request, std::string_view name) {
    const auto found = request.find(name);
    if (found == request.end()) {
        return std::nullopt;
    }
    return std::string_view(found->value());
}

// Headers whose repetition makes a request ambiguous: which line did a proxy in front check?
constexpr std::string_view kSingletonHeaders[] = {"Authorization", "Origin",       "Content-Type",
                                                  kSessionHeader,  kVersionHeader, kMethodHeader,
                                                  kNameHeader};

// Every line of a header that may be repeated, in the order received.
std::vector<std::string_view> header_values(const RequestHead& request, std::string_view name) {
    std::vector<std::string_view> values;
    const auto [first, last] = request.equal_range(name);
    for (auto it = first; it != last; ++it) {
        values.emplace_back(it->value());
    }
    return values;
}

// Standard base64 (RFC 4648 §4, padded) to bytes; none when the text is not that.
std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::string out(text.size() / 4 * 3, '\0');
    const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                        reinterpret_cast<const unsigned char*>(text.data()),
                                        static_cast<int>(text.size()));
    if (written < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts the padding as decoded zero bytes.
    const auto padding = static_cast<std::size_t>(
        std::count(text.end() - std::min<std::size_t>(2, text.size()), text.end(), '='));
    out.resize(static_cast<std::size_t>(written) - padding);
    return out;
}

// A header's value, decoded from the =?base64?...?= form MCP 2026-07-28 allows for values that
// are not plain ASCII; none when absent, or when that form does not decode.
std::optional<std::string> decoded_header(const RequestHead& request, std::string_view name) {
    const auto found = request.find(name);
    if (found == request.end()) {
        return std::nullopt;
    }
    const std::string_view value = found->value();
    constexpr std::string_view kPrefix = "=?base64?";
    constexpr std::string_view kSuffix = "?=";
    if (!value.starts_with(kPrefix) || !value.ends_with(kSuffix) ||
        value.size() < kPrefix.size() + kSuffix.size()) {
        return std::string(value);
    }
    return base64_decode(
        value.substr(kPrefix.size(), value.size() - kPrefix.size() - kSuffix.size()));
}

bool is_request(const json::value& message) {
    const auto* object = message.if_object();
    return object != nullptr && object->contains("method") && object->contains("id");
}

bool expects_response(const json::value& message) {
    if (const auto* batch = message.if_array()) {
        return std::any_of(batch->begin(), batch->end(), is_request);
    }
    return is_request(message);
}

bool is_initialize(const json::value& message) {
    if (!is_request(message)) {
        return false;
    }
    const auto& method = message.get_object().at("method");
    return method.is_string() && method.get_string() == "initialize";
}

json::value request_id(const json::value& message) {
    const auto* object = message.if_object();
    const auto* id = object == nullptr ? nullptr : object->if_contains("id");
    return id != nullptr && protocol::is_valid_id(*id) ? *id : json::value(nullptr);
}

}  // namespace

Reply Router::unsupported_version(std::string_view version) const {
    return reject(
        error_response(status::bad_request,
                       "Bad Request: Unsupported protocol version: " + printable(version, 64) +
                           " (supported versions: " + protocol::supported_versions_text() + ")"),
        "unsupported MCP-Protocol-Version");
}

// MCP 2026-07-28 over HTTP: the ladder of checks a modern POST goes through before it is
// served, each with the status code the revision gives it; and the two ways a legacy POST can
// wrongly claim the modern revision in its headers only.
std::optional<Reply> Router::modern_refusal(const Request& request, const json::value& message,
                                            std::string_view version_header) const {
    namespace modern = protocol::modern;
    namespace code = protocol::error_code;
    const auto refuse = [&message](status http_status, int error_code, std::string text,
                                   std::string reason, json::value data = nullptr) {
        auto body = protocol::make_error(request_id(message), error_code, text);
        if (!data.is_null()) {
            body["error"].as_object()["data"] = std::move(data);
        }
        Response response{http_status, 11};
        response.set(field::content_type, "application/json");
        response.body() = protocol::serialize_message(body);
        return reject(std::move(response), std::move(reason));
    };
    if (const auto* batch = message.if_array()) {
        if (std::any_of(batch->begin(), batch->end(), modern::claims_modern)) {
            return refuse(status::bad_request, code::invalid_request,
                          "Bad Request: JSON-RPC batches may not contain requests for protocol "
                          "revision " +
                              std::string(modern::kVersion) + " or later",
                          "batch with a 2026-07-28 request");
        }
        return std::nullopt;
    }
    if (!modern::claims_modern(message)) {
        if (version_header != protocol::kModernVersion || !is_request(message)) {
            return std::nullopt;
        }
        if (is_initialize(message)) {
            return refuse(status::bad_request, code::header_mismatch,
                          "Bad Request: the request headers and body disagree: an initialize "
                          "request (legacy handshake) was sent with MCP-Protocol-Version " +
                              std::string(modern::kVersion),
                          "initialize with a 2026-07-28 header");
        }
        return refuse(status::bad_request, code::invalid_params,
                      "Invalid params: MCP-Protocol-Version " + std::string(modern::kVersion) +
                          " needs the per-request envelope in params._meta "
                          "(io.modelcontextprotocol/protocolVersion, "
                          "io.modelcontextprotocol/clientCapabilities)",
                      "2026-07-28 header without the envelope");
    }
    if (!is_request(message)) {
        return std::nullopt;  // a notification: nothing to check, answered 202
    }
    const auto& object = message.get_object();
    const auto& params = object.at("params").get_object();
    auto envelope = modern::read_envelope(params);
    if (auto* refusal = std::get_if<modern::Refusal>(&envelope);
        refusal != nullptr && refusal->code != code::unsupported_protocol_version) {
        return refuse(status::bad_request, refusal->code, refusal->message, "malformed envelope");
    }
    const auto claimed = modern::claimed_version(message).value_or("");
    const auto method = object.at("method").is_string()
                            ? std::string_view(object.at("method").get_string())
                            : std::string_view();
    const auto mismatch = [&](std::string_view header_name, std::string_view body_says,
                              const std::optional<std::string>& header_says) {
        return refuse(status::bad_request, code::header_mismatch,
                      "Bad Request: the request headers and body disagree: the body says " +
                          printable(body_says, 64) + " but the " + std::string(header_name) +
                          " header " +
                          (header_says ? "says " + printable(*header_says, 64) : "is absent"),
                      "header and body disagree",
                      json::object{{"header", header_name},
                                   {"body", printable(body_says, 64)},
                                   {"value", header_says ? json::value(printable(*header_says, 64))
                                                         : json::value(nullptr)}});
    };
    const auto version = decoded_header(request, kVersionHeader);
    if (!version || *version != claimed) {
        return mismatch(kVersionHeader, claimed, version);
    }
    const auto method_header = decoded_header(request, kMethodHeader);
    if (!method_header || *method_header != method) {
        return mismatch(kMethodHeader, method, method_header);
    }
    if (method == "tools/call") {
        const auto* name = params.if_contains("name");
        const std::string_view tool =
            name != nullptr && name->is_string() ? std::string_view(name->get_string()) : "";
        const auto name_header = decoded_header(request, kNameHeader);
        if (!name_header || *name_header != tool) {
            return mismatch(kNameHeader, tool, name_header);
        }
    }
    if (auto* refusal = std::get_if<modern::Refusal>(&envelope)) {
        return refuse(status::bad_request, refusal->code, refusal->message,
                      "unsupported protocol version", refusal->data.value_or(nullptr));
    }
    if (!modern::is_known_method(method)) {
        return refuse(status::not_found, code::method_not_found,
                      "Method not found: " + printable(method, 64), "unknown method");
    }
    return std::nullopt;
}

Response error_response(status code, std::string_view message, int error_code,
                        const json::value& id) {
    return make_response(code,
                         protocol::serialize_message(protocol::make_error(id, error_code, message)),
                         "application/json");
}

Router::Router(const protocol::Services& services, const HttpServerOptions& options,
               OriginPolicy origins, std::shared_ptr<const identity::Authenticator> auth,
               SessionStore& sessions, const Metrics& metrics, const Readiness& readiness,
               Logger logger)
    : services_(services),
      options_(options),
      origins_(std::move(origins)),
      auth_(std::move(auth)),
      sessions_(sessions),
      metrics_(metrics),
      readiness_(readiness),
      logger_(std::move(logger)) {
    if (options_.rest) {
        auto definitions = options_.definitions;
        if (!definitions) {
            catalog::Definitions served;
            served.toolsets = services_.catalog.toolsets();
            for (const auto& tool : services_.catalog.tools()) {
                served.tools.push_back(tool.definition);
            }
            definitions = std::make_shared<const catalog::Definitions>(std::move(served));
        }
        rest_api_ = std::make_shared<const rest::RestApi>(std::move(definitions));
    }
}

std::variant<catalog::Narrowing, std::string> Router::narrowing_from_headers(
    const RequestHead& request) const {
    // A header may come more than once (a client's own, then one a gateway appends). Each line
    // narrows on its own, so a later line can hide tools but never bring back what an earlier
    // one hid, and the other way round.
    const auto toolsets = header_values(request, kToolsetsHeader);
    const auto tools = header_values(request, kToolsHeader);
    const auto excluded = header_values(request, kExcludeToolsHeader);
    const auto read_only = header_values(request, kReadOnlyHeader);
    catalog::Narrowing narrowing;
    if (toolsets.empty() && tools.empty() && excluded.empty() && read_only.empty()) {
        return narrowing;
    }
    // The first X-MCP-Toolsets and X-MCP-Tools lines together include (their union, as with
    // the flags); every further line of either is a layer of its own that a tool must pass too.
    catalog::ToolSelection first;
    if (!toolsets.empty()) {
        first.toolsets = split_list(toolsets.front());
    }
    if (!tools.empty()) {
        first.tools = split_list(tools.front());
    }
    for (const auto value : excluded) {
        const auto names = split_list(value);
        first.exclude_tools.insert(first.exclude_tools.end(), names.begin(), names.end());
    }
    for (const auto value : read_only) {
        const auto flag = parse_switch(value);
        if (!flag) {
            return std::string(kReadOnlyHeader) + " must be true or false, not '" +
                   printable(value, 64) + "'";
        }
        // Any line that asks for read-only wins: a "false" can never undo another's "true".
        first.read_only = first.read_only || *flag;
    }
    narrowing.add(std::move(first));
    for (std::size_t i = 1; i < toolsets.size(); ++i) {
        narrowing.add(catalog::ToolSelection{split_list(toolsets[i]), {}, {}, false});
    }
    for (std::size_t i = 1; i < tools.size(); ++i) {
        narrowing.add(catalog::ToolSelection{{}, split_list(tools[i]), {}, false});
    }
    if (auto problem = services_.catalog.unknown_name(narrowing)) {
        return "X-MCP-* tool headers: " + *problem;
    }
    return narrowing;
}

std::variant<Admission, Reply, KeysNeeded> Router::screen(const RequestHead& head,
                                                          std::string_view client) const {
    // Before anything else, so that a rebinding page learns nothing, not even which paths exist.
    if (!origins_.host_allowed(head[field::host])) {
        return reject(error_response(status::forbidden, "Forbidden: Host header not allowed"),
                      "Host not allowed");
    }
    for (const auto name : kSingletonHeaders) {
        if (head.count(name) > 1) {
            // Which line would a proxy in front have judged? Neither is trusted.
            return reject(
                error_response(status::bad_request, "Bad Request: the " + std::string(name) +
                                                        " header must appear once"),
                "repeated " + std::string(name));
        }
    }
    if (const auto origin = header(head, "Origin"); origin && !origins_.origin_allowed(*origin)) {
        return reject(error_response(status::forbidden, "Forbidden: Origin not allowed"),
                      "Origin not allowed");
    }
    const auto path = path_of(head.target());
    if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
        return Admission{};
    }
    if (auth_->oauth() && (path == kMetadataPath || path == std::string(kMetadataPath) + "/mcp")) {
        return Admission{};  // what a client reads to learn how to authenticate
    }
    if (options_.rest && path == rest::kDocumentPath) {
        return Admission{};  // describes the API, holds nothing a caller could misuse
    }
    if (options_.rest ? !path.starts_with(std::string(rest::kPrefix) + "/") : path != kMcpPath) {
        return reject(error_response(status::not_found,
                                     options_.rest ? "Not Found: REST resources are under /v1/ "
                                                     "(see /v1/openapi.json)"
                                                   : "Not Found: the MCP endpoint is /mcp"),
                      "unknown path");
    }
    auto authentication = auth_->authenticate(head[field::authorization]);
    if (std::holds_alternative<KeysNeeded>(authentication)) {
        return KeysNeeded{};
    }
    if (const auto* denial = std::get_if<identity::Denial>(&authentication)) {
        const bool missing = denial->kind == identity::Denial::Kind::missing_token;
        // A client that has not tried yet is not worth an audit line; a failed attempt is.
        if (!missing) {
            audit_denial(client, "",
                         denial->kind == identity::Denial::Kind::no_principal ? "forbidden"
                                                                              : "unauthenticated",
                         denial->detail);
        }
        return refuse(*denial);
    }
    return Admission{std::get<identity::Caller>(std::move(authentication))};
}

void Router::fetch_keys(boost::asio::any_io_executor executor, std::function<void()> done) const {
    auth_->fetch_keys(std::move(executor), std::move(done));
}

std::string Router::resource_metadata_url() const {
    // RFC 9728 §3.1: the well-known path goes between the host and the resource's path.
    const auto& resource = auth_->token_policy().audience;
    const auto scheme = resource.find("://");
    const auto path_start =
        scheme == std::string::npos ? std::string::npos : resource.find('/', scheme + 3);
    if (path_start == std::string::npos) {
        return resource + std::string(kMetadataPath);
    }
    return resource.substr(0, path_start) + std::string(kMetadataPath) +
           resource.substr(path_start);
}

Reply Router::refuse(const identity::Denial& denial) const {
    using Kind = identity::Denial::Kind;
    if (denial.kind == Kind::keys_unavailable) {
        // The server cannot check any token now; the client did nothing wrong.
        auto response = error_response(status::service_unavailable,
                                       "Service Unavailable: the authorization server's keys "
                                       "cannot be fetched, so no token can be checked now");
        response.set(field::retry_after, kKeysRetryAfterSeconds);
        return reject(std::move(response), "issuer keys unavailable: " + denial.detail);
    }
    const bool forbidden = denial.kind == Kind::no_principal;
    const bool missing = denial.kind == Kind::missing_token;
    auto response =
        error_response(forbidden ? status::forbidden : status::unauthorized,
                       forbidden ? "Forbidden: " + denial.detail
                       : missing ? std::string("Unauthorized: send Authorization: Bearer <token>")
                                 : "Unauthorized: " + denial.detail);
    std::string challenge;
    if (auth_->oauth()) {
        challenge = "Bearer resource_metadata=" + quoted(resource_metadata_url()) +
                    ", scope=" + quoted(identity::scopes_for(identity::kAllToolClasses));
        if (forbidden) {
            challenge += ", error=\"insufficient_scope\"";
        } else if (!missing) {
            challenge += ", error=\"invalid_token\"";
        }
        if (!missing) {
            challenge += ", error_description=" + quoted(denial.detail);
        }
    } else {
        challenge = std::string(kRealm);
        if (!missing) {
            challenge += ", error=\"invalid_token\"";
        }
    }
    response.set(field::www_authenticate, challenge);
    return reject(std::move(response), missing     ? "no bearer token"
                                       : forbidden ? "no principal for the token"
                                                   : "invalid bearer token: " + denial.detail);
}

Reply Router::protected_resource_metadata(const Request& request) const {
    if (request.method() != beast_http::verb::get) {
        return method_not_allowed("GET");
    }
    json::array scopes;
    for (const auto scope : identity::kScopes) {
        scopes.emplace_back(scope);
    }
    const json::object document{
        {"resource", auth_->token_policy().audience},
        {"authorization_servers", json::array{json::value(auth_->token_policy().issuer)}},
        {"scopes_supported", std::move(scopes)},
        {"bearer_methods_supported", json::array{"header"}},
        {"resource_name", "credentials-mcp"},
    };
    return Reply{make_response(status::ok, json::serialize(document), "application/json"), "", ""};
}

std::optional<Reply> Router::scope_refusal(const json::value& message,
                                           const identity::Caller& caller,
                                           std::string_view client) const {
    if (caller.tool_classes == identity::kAllToolClasses) {
        return std::nullopt;
    }
    const auto& catalog =
        caller.principal != nullptr ? *caller.principal->catalog : services_.catalog;
    unsigned needed = 0;
    std::string tools;
    const auto check = [&](const json::value& element) {
        const auto* object = element.if_object();
        const auto* method = object != nullptr ? object->if_contains("method") : nullptr;
        const auto* params = object != nullptr ? object->if_contains("params") : nullptr;
        if (method == nullptr || !method->is_string() || method->get_string() != "tools/call" ||
            params == nullptr || !params->is_object()) {
            return;
        }
        const auto* name = params->get_object().if_contains("name");
        const auto* tool =
            name != nullptr && name->is_string() ? catalog.find(name->get_string()) : nullptr;
        if (tool == nullptr) {
            return;  // unknown or outside the ceiling: the session answers (and audits) that
        }
        const auto tool_class = identity::tool_class(tool->definition.annotations);
        if ((caller.tool_classes & tool_class) == 0) {
            needed |= tool_class;
            tools += (tools.empty() ? "" : ", ") + tool->definition.name;
        }
    };
    if (const auto* batch = message.if_array()) {
        for (const auto& element : *batch) {
            check(element);
        }
    } else {
        check(message);
    }
    if (needed == 0) {
        return std::nullopt;
    }
    const auto scopes = identity::scopes_for(needed | caller.tool_classes);
    const std::string detail =
        "calling " + tools + " needs the scope " + identity::scopes_for(needed);
    audit_denial(client, caller.name, "insufficient_scope", detail, tools);
    auto response = error_response(status::forbidden, "Forbidden: " + detail);
    response.set(field::www_authenticate,
                 "Bearer error=\"insufficient_scope\", scope=" + quoted(scopes) +
                     ", resource_metadata=" + quoted(resource_metadata_url()) +
                     ", error_description=" + quoted(detail));
    return reject(std::move(response), "insufficient scope: " + detail);
}

void Router::audit_denial(std::string_view client, std::string_view principal,
                          std::string_view outcome, std::string_view reason,
                          std::string_view tool) const {
    if (!services_.audit) {
        return;
    }
    static const json::object kNoArguments;
    services_.audit(protocol::AuditRecord{"denied", client, principal, "", "", tool, kNoArguments,
                                          std::nullopt, false, std::chrono::milliseconds(0),
                                          outcome, reason});
}

Action Router::route(const Request& request, std::string_view client) {
    auto screened = screen(request, client);
    if (auto* refusal = std::get_if<Reply>(&screened)) {
        return std::move(*refusal);
    }
    if (std::holds_alternative<KeysNeeded>(screened)) {
        // Callers holding the whole request (tests, fuzzing) do not wait for keys.
        return refuse(identity::Denial{identity::Denial::Kind::keys_unavailable,
                                       "the issuer's keys have not been fetched"});
    }
    return route(request, std::get<Admission>(screened), client);
}

Action Router::route(const Request& request, const Admission& admission, std::string_view client) {
    const auto path = path_of(request.target());
    if (path == "/healthz") {
        if (request.method() != beast_http::verb::get) {
            return method_not_allowed("GET");
        }
        return Reply{make_response(status::ok, R"({"status":"ok"})", "application/json"), "", ""};
    }
    if (path == "/readyz") {
        if (request.method() != beast_http::verb::get) {
            return method_not_allowed("GET");
        }
        if (!readiness_.ready()) {
            // Expected while draining, so not worth a warning per probe.
            return Reply{make_response(status::service_unavailable, R"({"status":"draining"})",
                                       "application/json"),
                         "", ""};
        }
        return Reply{make_response(status::ok, R"({"status":"ready"})", "application/json"), "",
                     ""};
    }
    if (path == "/metrics") {
        if (request.method() != beast_http::verb::get) {
            return method_not_allowed("GET");
        }
        return Reply{make_response(status::ok, metrics_.render_prometheus(),
                                   "text/plain; version=0.0.4; charset=utf-8"),
                     "", ""};
    }
    if (path_of(request.target()).starts_with(kMetadataPath)) {
        return protected_resource_metadata(request);
    }
    if (options_.rest) {
        if (path == rest::kDocumentPath) {
            return openapi(request);
        }
        return route_rest(request, admission.caller, client);
    }
    return route_mcp(request, admission.caller, client);
}

std::optional<protocol::Acting> Router::acting_of(const identity::Caller& caller) {
    if (caller.principal == nullptr && caller.tool_classes == identity::kAllToolClasses &&
        caller.name.empty()) {
        return std::nullopt;
    }
    protocol::Acting acting;
    acting.principal = caller.name;
    if (caller.principal != nullptr) {
        acting.catalog = caller.principal->catalog;
        acting.credentials = caller.principal->credentials;
    }
    acting.tool_classes = caller.tool_classes;
    return acting;
}

Reply Router::openapi(const Request& request) const {
    if (request.method() != beast_http::verb::get) {
        return method_not_allowed("GET");
    }
    rest::DocumentOptions document;
    const auto host = request[field::host];
    document.server_url =
        "http://" +
        (host.empty() ? options_.host + ":" + std::to_string(options_.port) : std::string(host));
    document.version = services_.identity.version;
    document.bearer = auth_->enabled();
    if (auth_->oauth()) {
        document.oauth_issuer = auth_->token_policy().issuer;
    }
    return Reply{make_response(status::ok,
                               json::serialize(rest::openapi_document(services_.catalog, document)),
                               "application/json"),
                 "", ""};
}

Action Router::route_rest(const Request& request, const identity::Caller& caller,
                          std::string_view client) {
    const std::string_view target = request.target();
    const auto path = path_of(target);
    const auto question = target.find('?');
    const auto query =
        question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
    const auto found = rest_api_->match(request.method_string(), path);
    const auto refuse_with = [&](rest::Answer answer, std::string why) {
        auto response = make_response(static_cast<status>(answer.status), std::move(answer.body),
                                      answer.content_type);
        return reject(std::move(response), std::move(why));
    };
    if (std::holds_alternative<rest::NoResource>(found)) {
        return refuse_with(rest::problem(404, "no-resource", "",
                                         "no REST resource at this path; "
                                         "see /v1/openapi.json",
                                         path),
                           "unknown REST path");
    }
    if (const auto* wrong = std::get_if<rest::WrongMethod>(&found)) {
        auto reply = refuse_with(rest::problem(405, "method-not-allowed", "",
                                               "this resource takes " + wrong->allow + ", not " +
                                                   std::string(request.method_string()),
                                               path),
                                 "wrong method for a REST resource");
        reply.response.set(field::allow, wrong->allow);
        return reply;
    }
    const auto& matched = std::get<rest::Matched>(found);
    const auto& tool = matched.tool->name;
    if (!request.body().empty() && !is_json_content_type(request[field::content_type])) {
        return refuse_with(rest::problem(415, "unsupported-media-type", "",
                                         "the request body must be application/json", path),
                           "REST body is not JSON");
    }
    auto arguments = rest_api_->arguments(matched, query, request.body());
    if (auto* problem = std::get_if<std::string>(&arguments)) {
        return refuse_with(rest::problem(400, "invalid-arguments", "Invalid arguments", *problem,
                                         path, {{"tool", tool}}),
                           "unreadable REST arguments");
    }
    Dispatch dispatch;
    dispatch.expects_response = true;
    auto narrowing = narrowing_from_headers(request);
    if (auto* refused = std::get_if<std::string>(&narrowing)) {
        return refuse_with(rest::problem(400, "bad-header", "", *refused, path),
                           "bad X-MCP-* tool header");
    }
    dispatch.narrowing = std::get<catalog::Narrowing>(std::move(narrowing));
    json::value message = json::object{
        {"jsonrpc", "2.0"},
        {"id", 1},
        {"method", "tools/call"},
        {"params", {{"name", tool}, {"arguments", std::move(std::get<json::object>(arguments))}}}};
    if (auto refusal = scope_refusal(message, caller, client)) {
        return std::move(*refusal);
    }
    dispatch.acting = acting_of(caller);
    protocol::SessionOptions session_options;
    session_options.require_initialize = false;
    session_options.protocol_version = std::string(protocol::kLatestVersion);
    session_options.client = "rest " + std::string(client);
    dispatch.session = protocol::Session::create(services_, std::move(session_options));
    dispatch.message = std::move(message);
    dispatch.rest_tool = tool;
    dispatch.rest_instance = std::string(path);
    return dispatch;
}

void Router::shape(Response& response) const {
    if (!options_.rest || response.result_int() < 400 ||
        response[field::content_type] != "application/json") {
        return;
    }
    json::error_code ec;
    const auto body = json::parse(response.body(), ec);
    const auto* object = body.if_object();
    const auto* error = object != nullptr ? object->if_contains("error") : nullptr;
    const auto* text = error != nullptr && error->is_object()
                           ? error->get_object().if_contains("message")
                           : nullptr;
    if (ec || text == nullptr || !text->is_string()) {
        return;
    }
    auto answer =
        rest::problem(response.result_int(), "http-" + std::to_string(response.result_int()), "",
                      text->get_string(), "");
    response.set(field::content_type, answer.content_type);
    response.body() = std::move(answer.body);
    response.prepare_payload();
}

Action Router::route_mcp(const Request& request, const identity::Caller& caller,
                         std::string_view client) {
    const auto& credential = caller.owner;
    const auto version = header(request, kVersionHeader);
    // A POST's era is judged from its body first (post()); for the other methods, only legacy
    // versions mean anything.
    if (request.method() != beast_http::verb::post && version &&
        !protocol::is_supported_version(*version) && *version != protocol::kModernVersion) {
        return unsupported_version(*version);
    }
    const std::string_view allow = options_.stateless ? "POST" : "POST, DELETE";
    switch (request.method()) {
        case beast_http::verb::post:
            return post(request, version.value_or(std::string_view()), client, caller);
        case beast_http::verb::delete_:
            if (options_.stateless) {
                return method_not_allowed(allow);
            }
            return end_session(request, credential);
        case beast_http::verb::get: {
            // This server never sends unprompted messages, so it offers no standalone SSE
            // stream: 405, as the spec allows. SDK clients try once per session and accept it,
            // so this is no rejection worth a warning.
            auto reply = method_not_allowed(allow);
            reply.rejection.clear();
            return reply;
        }
        default:
            return method_not_allowed(allow);
    }
}

Action Router::post(const Request& request, std::string_view version_header,
                    std::string_view client, const identity::Caller& caller) {
    const auto& credential = caller.owner;
    const auto accept = request[field::accept];
    if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
        return reject(error_response(status::not_acceptable,
                                     "Not Acceptable: Accept must list both application/json "
                                     "and text/event-stream"),
                      "Accept lacks application/json or text/event-stream");
    }
    if (!is_json_content_type(request[field::content_type])) {
        return reject(error_response(status::unsupported_media_type,
                                     "Unsupported Media Type: Content-Type must be "
                                     "application/json"),
                      "Content-Type is not application/json");
    }
    std::string problem;
    auto message = protocol::parse_message(request.body(), problem);
    if (!message) {
        return reject(error_response(status::bad_request, "Parse error: " + problem,
                                     protocol::error_code::parse_error),
                      "unparsable JSON");
    }

    Dispatch dispatch;
    dispatch.expects_response = expects_response(*message);
    dispatch.accepts_gzip = accepts_gzip(request[field::accept_encoding]);
    auto narrowing = narrowing_from_headers(request);
    if (auto* refused = std::get_if<std::string>(&narrowing)) {
        return reject(error_response(status::bad_request, "Bad Request: " + *refused),
                      "bad X-MCP-* tool header");
    }
    dispatch.narrowing = std::get<catalog::Narrowing>(std::move(narrowing));
    if (auto refusal = modern_refusal(request, *message, version_header)) {
        return std::move(*refusal);
    }
    if (auto refusal = scope_refusal(*message, caller, client)) {
        return std::move(*refusal);
    }
    dispatch.acting = acting_of(caller);
    if (protocol::modern::claims_modern(*message)) {
        // Served on its own, whatever the mode: the revision has no sessions, and an
        // Mcp-Session-Id it carries is ignored.
        protocol::SessionOptions session_options;
        session_options.require_initialize = false;
        session_options.client = std::string(client);
        session_options.callers_differ = auth_->enabled();
        dispatch.session = protocol::Session::create(services_, std::move(session_options));
        dispatch.message = std::move(*message);
        dispatch.modern = true;
        return dispatch;
    }
    if (!version_header.empty() && !protocol::is_supported_version(version_header)) {
        return unsupported_version(version_header);
    }
    if (options_.stateless) {
        protocol::SessionOptions session_options;
        session_options.require_initialize = false;
        session_options.protocol_version =
            std::string(version_header.empty() ? protocol::kDefaultHttpVersion : version_header);
        session_options.client = std::string(client);
        dispatch.session = protocol::Session::create(services_, std::move(session_options));
        dispatch.message = std::move(*message);
        return dispatch;
    }

    const auto session_id = header(request, kSessionHeader).value_or(std::string_view());
    if (session_id.empty()) {
        if (!is_initialize(*message)) {
            return reject(error_response(status::bad_request,
                                         "Bad Request: Mcp-Session-Id header is required; "
                                         "send initialize first to open a session"),
                          "no session id");
        }
        if (!sessions_.has_room(credential)) {
            auto response = error_response(status::service_unavailable,
                                           "Service Unavailable: too many open sessions",
                                           kTransportErrorCode, request_id(*message));
            response.set(field::retry_after, kBusyRetryAfterSeconds);
            return reject(std::move(response), "session limit reached");
        }
        // The id is drawn now so the session can name itself in the audit log; it is handed
        // out only if initialize succeeds. Headers on initialize narrow the session for good.
        dispatch.new_session_id = random_hex(kSessionIdBytes);
        protocol::SessionOptions session_options;
        session_options.client = "session " + dispatch.new_session_id.substr(0, 8);
        session_options.narrowing = dispatch.narrowing;
        dispatch.session = protocol::Session::create(services_, std::move(session_options));
        dispatch.creates_session = true;
        dispatch.owner = credential;
        dispatch.message = std::move(*message);
        return dispatch;
    }
    // Another token's session answers exactly like an unknown one: its existence stays hidden.
    auto activity = sessions_.acquire(session_id, credential);
    if (!activity.session()) {
        Reply reply = reject(error_response(status::not_found,
                                            "Not Found: unknown or expired session; send "
                                            "initialize without Mcp-Session-Id to start a new one"),
                             "unknown session");
        reply.session_id = std::string(session_id);
        return reply;
    }
    // A supported MCP-Protocol-Version that differs from the negotiated one is accepted: the
    // spec only requires 400 for invalid or unsupported values (checked above), and clients
    // such as the conformance suite send 2025-03-26 on sessions that negotiated later ones.
    // The session keeps shaping its messages for the version it negotiated.
    dispatch.session = activity.session()->mcp();
    dispatch.session_id = std::string(session_id);
    dispatch.activity = std::move(activity);
    dispatch.message = std::move(*message);
    return dispatch;
}

Reply Router::end_session(const Request& request, const std::optional<Credential>& credential) {
    const auto session_id = header(request, kSessionHeader).value_or(std::string_view());
    if (session_id.empty()) {
        return reject(
            error_response(status::bad_request, "Bad Request: Mcp-Session-Id header is required"),
            "no session id");
    }
    const auto session = sessions_.remove(session_id, credential);
    if (!session) {
        Reply reply =
            reject(error_response(status::not_found, "Not Found: unknown or expired session"),
                   "unknown session");
        reply.session_id = std::string(session_id);
        return reply;
    }
    session->mcp()->cancel_all();
    logger_->info("session {} ended by the client", session_id.substr(0, 8));
    Reply reply;
    reply.response = make_response(status::ok, "", "");
    reply.session_id = std::string(session_id);
    return reply;
}

Reply Router::conclude(Dispatch& dispatch, std::optional<json::value> reply) {
    Reply out;
    out.session_id = dispatch.session_id;
    if (!dispatch.rest_tool.empty()) {
        auto answer = rest::answer_of(reply.value_or(json::value()), dispatch.rest_tool,
                                      dispatch.rest_instance);
        const bool busy = answer.status == 503;
        out.response = make_response(static_cast<status>(answer.status), std::move(answer.body),
                                     answer.content_type);
        if (busy) {
            out.response.set(field::retry_after, kBusyRetryAfterSeconds);
        }
        return out;
    }
    if (!reply) {
        // No response owed (notifications, client responses) is 202. A request that got none
        // (cancelled) still needs an event stream by the spec: an empty one that just ends.
        out.response = dispatch.expects_response
                           ? make_response(status::ok, "", "text/event-stream")
                           : make_response(status::accepted, "", "");
        return out;
    }
    if (!dispatch.expects_response) {
        // Only invalid messages draw a reply when no request was sent.
        out.response = make_response(status::bad_request, protocol::serialize_message(*reply),
                                     "application/json");
        out.rejection = "invalid JSON-RPC message";
        return out;
    }
    out.response =
        make_response(status::ok, protocol::serialize_message(*reply), "application/json");
    const auto* object = reply->if_object();
    if (!dispatch.creates_session || object == nullptr || !object->contains("result") ||
        !dispatch.session->initialized()) {
        return out;
    }
    const auto& id = dispatch.new_session_id;
    if (!admit(std::make_shared<HttpSession>(id, dispatch.session, dispatch.owner),
               dispatch.owner)) {
        auto response = error_response(status::service_unavailable,
                                       "Service Unavailable: too many open sessions",
                                       kTransportErrorCode, object->at("id"));
        response.set(field::retry_after, kBusyRetryAfterSeconds);
        return reject(std::move(response), "session limit reached");
    }
    out.response.set(kSessionHeader, id);
    out.session_id = id;
    logger_->info("session {} opened ({} live)", std::string_view(id).substr(0, 8),
                  sessions_.size());
    return out;
}

Reply Router::conclude_prepared(Dispatch& dispatch, protocol::PreparedReply reply) {
    if (!dispatch.expects_response || dispatch.creates_session) {
        return conclude(dispatch, json::parse(reply.text()));
    }
    Reply out;
    out.session_id = dispatch.session_id;
    out.response = make_response(status::ok, "", "application/json");
    // The answer depends on Accept-Encoding whether or not this one is compressed.
    out.response.set(field::vary, "Accept-Encoding");
    if (dispatch.accepts_gzip) {
        if (auto prefix = gzip_prefix(reply)) {
            out.response.set(field::content_encoding, "gzip");
            std::string_view head = prefix->head();
            auto tail = prefix->finish(reply.tail);
            out.prepared = PreparedBody::value_type{std::move(prefix), {head, {}}, std::move(tail)};
            return out;
        }
    }
    const std::string_view body = *reply.body;
    out.prepared =
        PreparedBody::value_type{std::move(reply.body), {reply.head, body}, std::move(reply.tail)};
    return out;
}

std::shared_ptr<const GzipPrefix> Router::gzip_prefix(const protocol::PreparedReply& reply) {
    // Prepared replies come from a handful of texts built at start-up (one per tools/list
    // variant); more than this would mean they are not constant after all.
    constexpr std::size_t kMaxPrefixes = 16;
    const std::pair key{reply.head.data(), reply.body.get()};
    std::lock_guard lock(gzip_mutex_);
    if (const auto found = gzip_prefixes_.find(key); found != gzip_prefixes_.end()) {
        return found->second.prefix;
    }
    if (gzip_prefixes_.size() >= kMaxPrefixes) {
        return nullptr;
    }
    // Compressed once, here, under the lock: the first gzip answer of a kind waits for it
    // (a few milliseconds), every later one reuses it.
    std::string constant;
    constant.reserve(reply.head.size() + reply.body->size());
    constant.append(reply.head).append(*reply.body);
    auto prefix = std::make_shared<const GzipPrefix>(constant);
    gzip_prefixes_.emplace(key, GzipEntry{reply.body, prefix});
    return prefix;
}

bool Router::admit(const std::shared_ptr<HttpSession>& session,
                   const std::optional<Credential>& owner) {
    // At the cap the least recently used idle session of the same credential makes room, so
    // that one client opening sessions cannot lock out the others of its tenant; sessions in use
    // and other credentials' sessions are never taken.
    while (!sessions_.insert(session)) {
        const auto evicted = sessions_.evict_least_recent(owner);
        if (!evicted) {
            return false;
        }
        evicted->mcp()->cancel_all();
        logger_->info(
            "session {} evicted: the limit of {} sessions was reached and it was the "
            "least recently used",
            std::string_view(evicted->id()).substr(0, 8), options_.max_sessions);
    }
    return true;
}

}  // namespace cmcp::transport::http

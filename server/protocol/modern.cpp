#include "protocol/modern.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "protocol/jsonrpc.hpp"
#include "protocol/versions.hpp"
#include "support/text.hpp"

namespace cmcp::protocol::modern {
namespace json = boost::json;

namespace {

const json::object* meta_of(const json::value& message) {
    const auto* object = message.if_object();
    const auto* params = object == nullptr ? nullptr : object->if_contains("params");
    const auto* meta = params == nullptr || !params->is_object()
                           ? nullptr
                           : params->get_object().if_contains("_meta");
    return meta == nullptr ? nullptr : meta->if_object();
}

Refusal malformed(std::string problem) {
    return {error_code::invalid_params,
            "Invalid _meta envelope for protocol revision " + std::string(kVersion) + ": " +
                std::move(problem),
            std::nullopt};
}

}  // namespace

bool claims_modern(const json::value& message) {
    const auto* meta = meta_of(message);
    return meta != nullptr && meta->contains(kProtocolVersionKey);
}

std::optional<std::string_view> claimed_version(const json::value& message) {
    const auto* meta = meta_of(message);
    const auto* version = meta == nullptr ? nullptr : meta->if_contains(kProtocolVersionKey);
    if (version == nullptr || !version->is_string()) {
        return std::nullopt;
    }
    return std::string_view(version->get_string());
}

std::variant<Envelope, Refusal> read_envelope(const json::object& params) {
    const auto* meta_value = params.if_contains("_meta");
    const auto* meta = meta_value == nullptr ? nullptr : meta_value->if_object();
    if (meta == nullptr) {
        return malformed("_meta: missing (it must be an object)");
    }
    const auto* version = meta->if_contains(kProtocolVersionKey);
    if (version == nullptr || !version->is_string()) {
        return malformed(std::string(kProtocolVersionKey) + ": missing or not a string");
    }
    const auto* capabilities = meta->if_contains(kClientCapabilitiesKey);
    if (capabilities == nullptr || !capabilities->is_object()) {
        return malformed(std::string(kClientCapabilitiesKey) +
                         (capabilities == nullptr ? ": missing" : ": must be an object"));
    }
    Envelope envelope;
    envelope.client = "unknown client";
    if (const auto* info = meta->if_contains(kClientInfoKey); info != nullptr) {
        const auto* object = info->if_object();
        const auto* name = object == nullptr ? nullptr : object->if_contains("name");
        if (name == nullptr || !name->is_string()) {
            return malformed(std::string(kClientInfoKey) + ": must be an object with a name");
        }
        envelope.client = std::string(name->get_string());
        if (const auto* client_version = object->if_contains("version");
            client_version != nullptr && client_version->is_string()) {
            envelope.client += " " + std::string(client_version->get_string());
        }
    }
    if (const auto* level = meta->if_contains(kLogLevelKey); level != nullptr) {
        const auto parsed =
            level->is_string() ? parse_log_level(level->get_string()) : std::nullopt;
        if (!parsed) {
            return malformed(std::string(kLogLevelKey) +
                             ": must be one of debug, info, notice, warning, error, critical, "
                             "alert, emergency");
        }
        envelope.log_level = parsed;
    }
    envelope.version = std::string(version->get_string());
    if (envelope.version != kVersion) {
        return Refusal{error_code::unsupported_protocol_version,
                       "Unsupported protocol version: " + printable(envelope.version, 64) +
                           " (supported: " + supported_versions_text() + "; versions before " +
                           std::string(kVersion) + " are negotiated with initialize)",
                       json::object{{"supported", supported_versions()},
                                    {"requested", printable(envelope.version, 64)}}};
    }
    return envelope;
}

bool is_known_method(std::string_view method) {
    return method == "server/discover" || method == "tools/list" || method == "tools/call";
}

void stamp_result(json::object& result, const json::object& server_info,
                  std::optional<CacheHint> cache) {
    result["resultType"] = "complete";
    if (cache) {
        result["ttlMs"] = cache->ttl_ms;
        result["cacheScope"] = cache->shared ? "public" : "private";
    }
    auto& meta = result["_meta"];
    if (!meta.is_object()) {
        meta = json::object();
    }
    meta.get_object()[kServerInfoKey] = server_info;
}

std::string stamp_text(const json::object& server_info, std::optional<CacheHint> cache) {
    json::object fields;
    stamp_result(fields, server_info, cache);
    const auto text = json::serialize(fields);
    // "{...}" without its braces, after a comma.
    return concat({",", std::string_view(text).substr(1, text.size() - 2)});
}

}  // namespace cmcp::protocol::modern

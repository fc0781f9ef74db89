#include "app/audit_recorder.hpp"

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>

namespace cmcp::app {
namespace json = boost::json;

namespace {

constexpr std::string_view kHidden = "[REDACTED]";
constexpr std::array<std::string_view, 8> kSecretKeyParts = {
    "secret", "token", "password", "passphrase", "credential", "private_key", "api_key", "apikey"};

bool is_secret_key(std::string_view key) {
    std::string lower;
    for (const char c : key) {
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (lower.ends_with("_id") || lower.ends_with("_ids")) {
        return false;  // secret_id, token_id: identifiers, not secrets
    }
    for (const auto part : kSecretKeyParts) {
        if (lower.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

json::value redact_value(const json::value& value, const upstream::Redactor& redactor) {
    if (const auto* text = value.if_string()) {
        return json::value(redactor.redact(*text));
    }
    if (const auto* object = value.if_object()) {
        return redact_arguments(*object, redactor);
    }
    if (const auto* array = value.if_array()) {
        json::array out;
        for (const auto& item : *array) {
            out.push_back(redact_value(item, redactor));
        }
        return out;
    }
    return value;
}

std::string utc_timestamp() {
    const auto now = std::chrono::system_clock::now();
    const auto seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    std::array<char, 32> buffer{};
    const auto length = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%S", &parts);
    std::array<char, 8> fraction{};
    std::snprintf(fraction.data(), fraction.size(), ".%03dZ", static_cast<int>(millis));
    return std::string(buffer.data(), length) + fraction.data();
}

}  // namespace

json::object redact_arguments(const json::object& arguments, const upstream::Redactor& redactor) {
    json::object out;
    for (const auto& [key, value] : arguments) {
        out[key] = is_secret_key(key) && !value.is_null() ? json::value(kHidden)
                                                          : redact_value(value, redactor);
    }
    return out;
}

protocol::AuditRecorder make_audit_recorder(AuditLog& log, upstream::Redactor redactor,
                                            Logger logger) {
    return [&log, redactor = std::move(redactor),
            logger = std::move(logger)](const protocol::AuditRecord& record) {
        try {
            json::object line{
                {"time", utc_timestamp()},
                {"client", record.client},
                {"tool", record.tool},
                {"arguments", redact_arguments(record.arguments, redactor)},
                {"upstream_status", record.upstream_status ? json::value(*record.upstream_status)
                                                           : json::value(nullptr)},
                {"duration_ms", record.duration.count()},
                {"outcome", record.outcome}};
            std::string error;
            if (!log.append(json::serialize(line), error)) {
                logger->error("audit: {}", error);
            }
        } catch (const std::exception& error) {
            logger->error("audit: cannot record a call of {}: {}", record.tool, error.what());
        }
    };
}

}  // namespace cmcp::app

#include "app/audit_recorder.hpp"

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>

#include "support/text.hpp"

namespace cmcp::app {
namespace json = boost::json;

namespace {

constexpr std::string_view kHidden = "[REDACTED]";
constexpr std::array<std::string_view, 8> kSecretKeyParts = {
    "secret", "token", "password", "passphrase", "credential", "private_key", "api_key", "apikey"};

bool is_secret_key(std::string_view key) {
    const auto lower = ascii_lower(key);
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

// One audit line stays small whatever a client sends (a refused call may carry megabytes of
// arguments): values are shortened first, and past kMaxLineBytes the arguments are left out.
// The line always stays one valid JSON object.
constexpr std::size_t kMaxLineBytes = 16 * 1024;
struct Bounds {
    std::size_t string_bytes;  // longer strings are cut, with a marker saying by how much
    std::size_t items;         // array elements and object members kept
    unsigned depth;            // deeper values become a marker
};
// Tried in turn until the line fits.
constexpr Bounds kBounds[] = {{1024, 64, 8}, {128, 16, 4}};

json::value bounded(const json::value& value, const Bounds& bounds, unsigned depth) {
    if (const auto* text = value.if_string()) {
        if (text->size() <= bounds.string_bytes) {
            return value;
        }
        const auto kept = utf8_prefix(*text, bounds.string_bytes);
        return json::value(std::string(kept) + "…[" + std::to_string(text->size() - kept.size()) +
                           " more bytes]");
    }
    if (!value.is_array() && !value.is_object()) {
        return value;
    }
    if (depth >= bounds.depth) {
        return json::value("[nested too deep]");
    }
    if (const auto* array = value.if_array()) {
        json::array out;
        for (std::size_t i = 0; i < array->size() && i < bounds.items; ++i) {
            out.push_back(bounded((*array)[i], bounds, depth + 1));
        }
        if (array->size() > bounds.items) {
            out.push_back(
                json::value("…[" + std::to_string(array->size() - bounds.items) + " more items]"));
        }
        return out;
    }
    const auto& object = value.get_object();
    json::object out;
    std::size_t kept = 0;
    for (const auto& [key, member] : object) {
        if (kept++ == bounds.items) {
            out["…"] = std::to_string(object.size() - bounds.items) + " more members";
            break;
        }
        out[std::string(utf8_prefix(key, bounds.string_bytes))] =
            bounded(member, bounds, depth + 1);
    }
    return out;
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

protocol::AuditRecorder make_audit_recorder(std::vector<AuditSink*> sinks, bool required,
                                            CurrentRedactor redactor, Logger logger) {
    return [sinks = std::move(sinks), required, redactor = std::move(redactor),
            logger = std::move(logger)](const protocol::AuditRecord& record) {
        // Intent lines are what --audit-required checks before a change is sent.
        if (record.event == "intent" && !required) {
            return true;
        }
        try {
            const auto optional_text = [](std::string_view text) {
                return text.empty() ? json::value(nullptr) : json::value(text);
            };
            json::object line{
                {"time", utc_timestamp()},
                {"event", record.event},
                {"client", record.client},
                {"principal", optional_text(record.principal)},
                {"credential", optional_text(record.credential)},
                {"request_id", optional_text(record.request_id)},
                {"tool", optional_text(record.tool)},
                {"arguments", nullptr},  // filled below, within the line's bounds
                {"upstream_status", record.upstream_status ? json::value(*record.upstream_status)
                                                           : json::value(nullptr)},
                {"request_sent", record.request_sent},
                {"duration_ms", record.duration.count()},
                {"outcome", record.outcome}};
            if (!record.reason.empty()) {
                line["reason"] = printable(record.reason, 1024);
            }
            const auto current = redactor();
            const auto arguments = redact_arguments(record.arguments, *current);
            std::string text;
            for (const auto& bounds : kBounds) {
                line["arguments"] = bounded(arguments, bounds, 0);
                text = json::serialize(line);
                if (text.size() <= kMaxLineBytes) {
                    break;
                }
            }
            if (text.size() > kMaxLineBytes) {
                line["arguments"] = json::object{{"…", "left out: too large for one audit line"}};
                text = json::serialize(line);
            }
            // Whatever else the line holds, no configured credential may be in it.
            current->redact_in_place(text);
            bool recorded = false;
            for (auto* sink : sinks) {
                std::string error;
                if (sink->append(text, error)) {
                    recorded = true;
                } else {
                    logger->error("audit: {}", error);
                }
            }
            return recorded;
        } catch (const std::exception& error) {
            logger->error("audit: cannot record a call of {}: {}", record.tool, error.what());
            return false;
        }
    };
}

protocol::AuditRecorder make_audit_recorder(AuditSink& sink, upstream::Redactor redactor,
                                            Logger logger) {
    auto shared = std::make_shared<const upstream::Redactor>(std::move(redactor));
    return make_audit_recorder(
        {&sink}, false, [shared] { return shared; }, std::move(logger));
}

}  // namespace cmcp::app

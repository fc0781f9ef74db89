#include "upstream/vendor_error.hpp"

#include <optional>

#include "support/json_text.hpp"
#include "support/text.hpp"

namespace cmcp::upstream {
namespace json = boost::json;

namespace {

// Vendors' HTML error pages are long; a model needs the gist, not the markup.
constexpr std::size_t kMaxTextExcerpt = 300;

std::string text_excerpt(std::string_view body) {
    std::string out;
    for (const char c : body.substr(0, kMaxTextExcerpt)) {
        const auto byte = static_cast<unsigned char>(c);
        out.push_back(byte < 0x20 ? ' ' : c);
    }
    // Do not leave half a UTF-8 character at the end.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80U) != 0) {
        const auto lead = static_cast<unsigned char>(out.back());
        out.pop_back();
        if ((lead & 0xC0U) == 0xC0U) {
            break;
        }
    }
    // The excerpt goes into a JSON reply: bytes that are not UTF-8 (a Latin-1 page) become '?'.
    out = printable(out, out.size());
    if (body.size() > kMaxTextExcerpt) {
        out += "…";
    }
    const auto first = out.find_first_not_of(' ');
    return first == std::string::npos ? std::string() : out.substr(first);
}

}  // namespace

VendorError parse_vendor_error(Provider provider, int status, std::string_view body) {
    VendorError error;
    // parse_json_text refuses 1e999: read as infinity, the error's fields would reach the client
    // as Infinity, which is not JSON.
    std::string problem;
    const auto parsed = body.empty() ? std::nullopt : parse_json_text(body, problem);
    error.json_body = parsed.has_value();
    if (parsed && parsed->is_object()) {
        error.fields = parsed->get_object();
        const std::string_view code_key = provider == Provider::scaleway ? "type" : "code";
        error.code = string_member(error.fields, code_key);
        if (error.code.empty()) {
            error.code =
                string_member(error.fields, provider == Provider::scaleway ? "code" : "type");
        }
        error.message = string_member(error.fields, "message");
        error.fields.erase("message");
        error.fields.erase(code_key);
        if (const auto* reset = error.fields.if_contains("reset_seconds");
            reset != nullptr && reset->is_number()) {
            error.reset_seconds = reset->to_number<double>();
        }
        if (const auto* reset_at = error.fields.if_contains("reset_at");
            reset_at != nullptr && reset_at->is_string()) {
            error.reset_at = std::string(reset_at->get_string());
        }
    } else if (!body.empty()) {
        error.message = text_excerpt(body);  // plain text, or JSON that is not an object
    }
    if (error.message.empty()) {
        const auto reason = http_reason(status);
        error.message = reason.empty() ? "HTTP " + std::to_string(status) : std::string(reason);
    }
    return error;
}

std::string_view http_reason(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Payload Too Large";
        case 422:
            return "Unprocessable Entity";
        case 423:
            return "Locked";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "";
    }
}

}  // namespace cmcp::upstream

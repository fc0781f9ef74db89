#include "upstream/credentials.hpp"

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <cctype>
#include <stdexcept>

#include "support/text.hpp"

namespace cmcp::upstream {

namespace {

constexpr std::string_view kWhitespace = " \t\r\n\v\f";
constexpr std::string_view kBearer = "Bearer ";

// The four hex digits of a \uXXXX escape starting at text[at], or -1.
long unicode_escape(std::string_view text, std::size_t at) {
    if (at + 6 > text.size() || text[at] != '\\' || text[at + 1] != 'u') {
        return -1;
    }
    long code = 0;
    for (std::size_t i = at + 2; i < at + 6; ++i) {
        const int digit = hex_digit_value(text[i]);
        if (digit < 0) {
            return -1;
        }
        code = code * 16 + digit;
    }
    return code;
}

// The UTF-8 bytes of a code point; returns how many of `out` it used.
std::size_t encode_utf8(long code, std::array<char, 4>& out) {
    const auto unit = [](long bits) { return static_cast<char>(bits); };
    if (code < 0x80) {
        out[0] = unit(code);
        return 1;
    }
    if (code < 0x800) {
        out[0] = unit(0xC0 | (code >> 6));
        out[1] = unit(0x80 | (code & 0x3F));
        return 2;
    }
    if (code < 0x10000) {
        out[0] = unit(0xE0 | (code >> 12));
        out[1] = unit(0x80 | ((code >> 6) & 0x3F));
        out[2] = unit(0x80 | (code & 0x3F));
        return 3;
    }
    out[0] = unit(0xF0 | (code >> 18));
    out[1] = unit(0x80 | ((code >> 12) & 0x3F));
    out[2] = unit(0x80 | ((code >> 6) & 0x3F));
    out[3] = unit(0x80 | (code & 0x3F));
    return 4;
}

// What one escape (text[at] is its backslash) stands for: \n, \/, \u002d, a surrogate pair...
// `consumed` is its length in `text`. An escape that is not JSON stands for itself.
std::string_view unescape_one(std::string_view text, std::size_t at, std::array<char, 4>& scratch,
                              std::size_t& consumed) {
    consumed = 2;
    const char kind = text[at + 1];
    constexpr std::string_view kSimple = "n\nr\rt\tb\bf\f//\\\\\"\"";
    for (std::size_t i = 0; i + 1 < kSimple.size(); i += 2) {
        if (kSimple[i] == kind) {
            return kSimple.substr(i + 1, 1);
        }
    }
    long code = kind == 'u' ? unicode_escape(text, at) : -1;
    if (code < 0) {
        return text.substr(at, 2);
    }
    consumed = 6;
    if (code >= 0xD800 && code < 0xDC00) {
        const long low = unicode_escape(text, at + 6);
        if (low >= 0xDC00 && low < 0xE000) {
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            consumed = 12;
        }
    }
    return {scratch.data(), encode_utf8(code, scratch)};
}

// `text` with every JSON string escape decoded (\n, \/, \u002d, surrogate pairs...), and for
// each decoded byte the offset in `text` where the escape or character producing it starts
// (plus one final entry: text.size()). A reader of a JSON value sees the decoded form, so
// that is where a credential must be looked for; the offsets say which raw bytes spell it.
struct Decoded {
    std::string bytes;
    std::vector<std::size_t> origin;
};

Decoded decode_json_escapes(std::string_view text) {
    Decoded out;
    out.bytes.reserve(text.size());
    out.origin.reserve(text.size() + 1);
    std::array<char, 4> scratch{};
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] != '\\' || i + 1 >= text.size()) {
            out.bytes.push_back(text[i]);
            out.origin.push_back(i);
            ++i;
            continue;
        }
        std::size_t consumed = 0;
        const auto produced = unescape_one(text, i, scratch, consumed);
        out.bytes.append(produced);
        out.origin.insert(out.origin.end(), produced.size(), i);
        i += consumed;
    }
    out.origin.push_back(text.size());
    return out;
}

std::optional<std::string> lookup(const EnvironmentLookup& getenv, std::string_view name) {
    auto value = getenv(name);
    if (!value) {
        return std::nullopt;
    }
    const auto first = value->find_first_not_of(kWhitespace);
    if (first == std::string::npos) {
        return std::nullopt;
    }
    const auto last = value->find_last_not_of(kWhitespace);
    return value->substr(first, last - first + 1);
}

bool starts_with_bearer(std::string_view value) {
    return value.size() >= kBearer.size() && iequals(value.substr(0, kBearer.size()), kBearer);
}

// "<id>:<token>": one colon with something on both sides and no whitespace, which neither
// PlanetScale ids, service tokens nor OAuth tokens contain.
bool is_service_token_pair(std::string_view value) {
    const auto colon = value.find(':');
    return colon != std::string_view::npos && colon > 0 && colon + 1 < value.size() &&
           value.find(':', colon + 1) == std::string_view::npos &&
           value.find_first_of(kWhitespace) == std::string_view::npos;
}

}  // namespace

Credentials credentials_from_environment(const EnvironmentLookup& getenv) {
    Credentials out;
    out.scaleway_secret_key = lookup(getenv, "SCW_SECRET_KEY");
    out.scaleway_source = "env:SCW_SECRET_KEY";
    if (!out.scaleway_secret_key) {
        out.scaleway_secret_key = lookup(getenv, "SCALEWAY_API_KEY");
        out.scaleway_source = "env:SCALEWAY_API_KEY";
    }
    if (!out.scaleway_secret_key) {
        out.scaleway_source.clear();
    }

    const auto token_id = lookup(getenv, "PLANETSCALE_SERVICE_TOKEN_ID");
    const auto token = lookup(getenv, "PLANETSCALE_SERVICE_TOKEN");
    if (token_id && token) {
        out.planetscale_authorization = *token_id + ":" + *token;
        out.planetscale_source = "env:PLANETSCALE_SERVICE_TOKEN_ID+PLANETSCALE_SERVICE_TOKEN";
    } else if (auto key = lookup(getenv, "PLANETSCALE_API_KEY")) {
        out.planetscale_authorization = planetscale_authorization_from_key(std::move(*key));
        out.planetscale_source = "env:PLANETSCALE_API_KEY";
    }
    return out;
}

bool is_header_value(std::string_view value) {
    return std::none_of(value.begin(), value.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && c != '\t') || byte == 0x7F;
    });
}

std::string planetscale_authorization_from_key(std::string key) {
    const bool as_is = is_service_token_pair(key) || starts_with_bearer(key);
    return as_is ? std::move(key) : std::string(kBearer) + key;
}

const std::string& source_of(const Credentials& credentials, Provider provider) {
    return provider == Provider::scaleway ? credentials.scaleway_source
                                          : credentials.planetscale_source;
}

void check_header_values(const Credentials& credentials) {
    // Header values go onto the wire verbatim; a line break would start a header of its own.
    for (const auto* value :
         {&credentials.scaleway_secret_key, &credentials.planetscale_authorization}) {
        if (*value && !is_header_value(**value)) {
            throw std::invalid_argument(std::string(value == &credentials.scaleway_secret_key
                                                        ? "The Scaleway"
                                                        : "The PlanetScale") +
                                        " credential contains control characters.");
        }
    }
}

const std::optional<std::string>& credential_for(const Credentials& credentials,
                                                 Provider provider) {
    return provider == Provider::scaleway ? credentials.scaleway_secret_key
                                          : credentials.planetscale_authorization;
}

std::string missing_credentials_message(Provider provider) {
    if (provider == Provider::scaleway) {
        return "No Scaleway credentials are configured: set SCW_SECRET_KEY (or "
               "SCALEWAY_API_KEY) in the server's environment and restart it. Nothing was sent.";
    }
    return "No PlanetScale credentials are configured: set PLANETSCALE_SERVICE_TOKEN_ID and "
           "PLANETSCALE_SERVICE_TOKEN (or PLANETSCALE_API_KEY) in the server's environment and "
           "restart it. Nothing was sent.";
}

Redactor::Redactor(const Credentials& credentials)
    : Redactor(std::vector<Credentials>{credentials}) {}

Redactor::Redactor(const std::vector<Credentials>& everyone) {
    for (const auto& credentials : everyone) {
        add_credentials(credentials);
    }
    std::sort(secrets_.begin(), secrets_.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
    secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
}

void Redactor::add_credentials(const Credentials& credentials) {
    if (credentials.scaleway_secret_key) {
        add(*credentials.scaleway_secret_key);
    }
    if (credentials.planetscale_authorization) {
        std::string_view value = *credentials.planetscale_authorization;
        add(value);
        if (starts_with_bearer(value)) {
            value.remove_prefix(kBearer.size());
            add(value);
        }
        // Both halves of "<id>:<token>" are configuration the operator handed over as a
        // credential; the server's own token id therefore shows as [REDACTED] in listings too.
        if (const auto colon = value.find(':'); colon != std::string_view::npos) {
            for (const auto part : {value.substr(0, colon), value.substr(colon + 1)}) {
                if (part.size() >= kMinPartLength) {
                    add(part);
                }
            }
        }
    }
}

void Redactor::add(std::string_view secret) {
    if (secret.empty()) {
        return;
    }
    secrets_.emplace_back(secret);
    // A JSON body carries quotes, backslashes and control characters escaped.
    const std::string escaped = boost::json::serialize(boost::json::string(secret));
    const std::string_view inner = std::string_view(escaped).substr(1, escaped.size() - 2);
    if (inner != secret) {
        secrets_.emplace_back(inner);
    }
}

std::string Redactor::redact(std::string_view text) const {
    std::string out(text);
    redact_in_place(out);
    return out;
}

void Redactor::redact_in_place(std::string& text) const {
    for (const auto& secret : secrets_) {
        for (auto at = text.find(secret); at != std::string::npos;
             at = text.find(secret, at + kMarker.size())) {
            text.replace(at, secret.size(), kMarker);
        }
    }
    // An escape is the only way a JSON text can spell a value other than byte for byte
    // (\u002d for "-", \/ for "/"); a vendor echo spelled so would decode to the clear value
    // in the result a model reads. Look for credentials in the decoded form too, and replace the
    // raw bytes that spell them.
    if (secrets_.empty() || text.find('\\') == std::string::npos) {
        return;
    }
    const auto decoded = decode_json_escapes(text);
    std::vector<std::pair<std::size_t, std::size_t>> spans;  // raw [first, last), in order
    for (std::size_t at = 0; at < decoded.bytes.size();) {
        std::size_t matched = 0;
        for (const auto& secret : secrets_) {  // longest first
            if (decoded.bytes.compare(at, secret.size(), secret) == 0) {
                matched = secret.size();
                break;
            }
        }
        if (matched == 0) {
            ++at;
            continue;
        }
        spans.emplace_back(decoded.origin[at], decoded.origin[at + matched]);
        at += matched;
    }
    for (auto span = spans.rbegin(); span != spans.rend(); ++span) {
        text.replace(span->first, span->second - span->first, kMarker);
    }
}

}  // namespace cmcp::upstream

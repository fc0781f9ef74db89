#include "upstream/credentials.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <cctype>

namespace cmcp::upstream {

namespace {

constexpr std::string_view kWhitespace = " \t\r\n\v\f";
constexpr std::string_view kBearer = "Bearer ";

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
    if (value.size() < kBearer.size()) {
        return false;
    }
    return std::equal(kBearer.begin(), kBearer.end(), value.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
    });
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
    if (!out.scaleway_secret_key) {
        out.scaleway_secret_key = lookup(getenv, "SCALEWAY_API_KEY");
    }

    const auto token_id = lookup(getenv, "PLANETSCALE_SERVICE_TOKEN_ID");
    const auto token = lookup(getenv, "PLANETSCALE_SERVICE_TOKEN");
    if (token_id && token) {
        out.planetscale_authorization = *token_id + ":" + *token;
    } else if (auto key = lookup(getenv, "PLANETSCALE_API_KEY")) {
        const bool as_is = is_service_token_pair(*key) || starts_with_bearer(*key);
        out.planetscale_authorization = as_is ? std::move(*key) : std::string(kBearer) + *key;
    }
    return out;
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

Redactor::Redactor(const Credentials& credentials) {
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
    std::sort(secrets_.begin(), secrets_.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
    secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
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
}

}  // namespace cmcp::upstream

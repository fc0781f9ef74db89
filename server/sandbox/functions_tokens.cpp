#include "sandbox/functions_tokens.hpp"

#include <algorithm>
#include <boost/json/array.hpp>

#include "sandbox/scaleway.hpp"

namespace cmcp::sandbox {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The name the quota error gives this collection; Scaleway names quotas after product and object.
constexpr std::string_view kQuotaResource = "functions_tokens";

}  // namespace

void FunctionsTokens::seed(DemoData& demo) {
    demo.function_id = "82ecacc8-b6ba-4b6c-9fc5-ee0db3ec9928";
    demo.namespace_id = "c52dfe40-fe47-4144-8ef8-4271f33bfbda";
    demo.token_id = "6c817983-ed16-424d-947b-c7e29fb0e8e0";
    const TimePoint now = Clock::now();
    std::lock_guard lock(mutex_);
    add(Token{.id = demo.token_id,
              .region = demo.region,
              .secret = new_secret(),
              .function_id = demo.function_id,
              .namespace_id = std::nullopt,
              .description = "Deploy hook for the demo function",
              .expires_at = std::nullopt,
              .created_at = now - 30 * 24h});
    add(Token{.id = "25b3817d-4b62-472c-8ef9-feb9935e1278",
              .region = demo.region,
              .secret = new_secret(),
              .function_id = std::nullopt,
              .namespace_id = demo.namespace_id,
              .description = std::nullopt,
              .expires_at = now + 60 * 24h,
              .created_at = now - 7 * 24h});
}

Reply FunctionsTokens::handle(const Call& call) {
    const auto& segments = call.segments;
    const std::string& method = call.method();
    const bool collection =
        matches(segments, {"regions", "*", "tokens"}) && (method == "GET" || method == "POST");
    const bool item = matches(segments, {"regions", "*", "tokens", "*"}) &&
                      (method == "GET" || method == "DELETE");
    if (!collection && !item) {
        return scw::unknown_route(method, call.request.path);
    }
    const std::string& region = segments[1];
    scw::require_region(region);
    if (collection) {
        return method == "GET" ? list(call, region) : create(call, region);
    }
    scw::require_uuid("token_id", segments[3]);
    return method == "GET" ? get(region, segments[3]) : remove(region, segments[3]);
}

Reply FunctionsTokens::list(const Call& call, const std::string& region) {
    const auto paging = scw::paging(call);
    const auto order =
        scw::enum_query(call, "order_by", {"created_at_asc", "created_at_desc"}, "created_at_asc");
    const auto function_id = scw::uuid_query(call, "function_id");
    const auto namespace_id = scw::uuid_query(call, "namespace_id");

    std::vector<Token> selected;
    {
        std::lock_guard lock(mutex_);
        for (const auto& token : tokens_) {
            if (token.region == region && (!function_id || token.function_id == function_id) &&
                (!namespace_id || token.namespace_id == namespace_id)) {
                selected.push_back(token);
            }
        }
    }
    std::stable_sort(selected.begin(), selected.end(), [&](const Token& a, const Token& b) {
        const auto key_a = std::pair(a.created_at, a.sequence);
        const auto key_b = std::pair(b.created_at, b.sequence);
        return order == "created_at_asc" ? key_a < key_b : key_b < key_a;
    });
    json::array items;
    for (const auto& token : page_of(selected, paging.page, paging.page_size)) {
        items.push_back(to_json(token, false, "ready"));
    }
    json::object body;
    body["tokens"] = std::move(items);
    body["total_count"] = selected.size();
    return json_reply(200, body);
}

Reply FunctionsTokens::create(const Call& call, const std::string& region) {
    const json::object body = scw::require_body(call);
    FieldReader fields(body);
    auto function_id = fields.string("function_id");
    auto namespace_id = fields.string("namespace_id");
    auto description = fields.string("description");
    const auto expires_at = fields.string("expires_at");
    scw::require_types(fields);

    if (function_id.has_value() == namespace_id.has_value()) {
        const char* reason = function_id ? "constraint" : "required";
        const char* help = "exactly one of function_id and namespace_id must be set";
        reject(scw::invalid_arguments(
            {{"function_id", reason, help}, {"namespace_id", reason, help}}));
    }
    if (function_id) {
        scw::require_uuid("function_id", *function_id);
    } else {
        scw::require_uuid("namespace_id", *namespace_id);
    }
    std::optional<TimePoint> expiry;
    if (expires_at) {
        expiry = parse_time(*expires_at);
        if (!expiry) {
            reject(scw::invalid_argument("expires_at", "format", "must be an RFC 3339 date"));
        }
    }

    std::lock_guard lock(mutex_);
    // Checked after validation, like the API, so a bad request still gets its own error.
    const auto in_region = static_cast<std::size_t>(std::count_if(
        tokens_.begin(), tokens_.end(), [&](const Token& t) { return t.region == region; }));
    if (in_region >= max_per_region_) {
        reject(scw::quotas_exceeded(kQuotaResource, max_per_region_, in_region));
    }
    // The sandbox does not model functions or namespaces, so any well-formed id is accepted.
    const Token& token = add(Token{.id = ids_.uuid(),
                                   .region = region,
                                   .secret = new_secret(),
                                   .function_id = std::move(function_id),
                                   .namespace_id = std::move(namespace_id),
                                   .description = std::move(description),
                                   .expires_at = expiry,
                                   .created_at = Clock::now()});
    return json_reply(200, to_json(token, true, "ready"));
}

Reply FunctionsTokens::get(const std::string& region, const std::string& id) {
    std::lock_guard lock(mutex_);
    return json_reply(200, to_json(find(region, id), false, "ready"));
}

// The API answers with the token in state "deleting"; the sandbox finishes the deletion at once,
// so a later get gives 404.
Reply FunctionsTokens::remove(const std::string& region, const std::string& id) {
    std::lock_guard lock(mutex_);
    const Token& token = find(region, id);
    Reply reply = json_reply(200, to_json(token, false, "deleting"));
    std::erase_if(tokens_, [&](const Token& t) { return t.region == region && t.id == id; });
    return reply;
}

FunctionsTokens::Token& FunctionsTokens::add(Token token) {
    token.sequence = next_sequence_++;
    return tokens_.emplace_back(std::move(token));
}

FunctionsTokens::Token& FunctionsTokens::find(const std::string& region, const std::string& id) {
    const auto it = std::find_if(tokens_.begin(), tokens_.end(), [&](const Token& token) {
        return token.region == region && token.id == id;
    });
    if (it == tokens_.end()) {
        reject(scw::not_found("token", id));
    }
    return *it;
}

// Real tokens are signed JWTs; this only needs to look like one.
std::string FunctionsTokens::new_secret() {
    return "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + ids_.random_string(kBase64Url, 96) + "." +
           ids_.random_string(kBase64Url, 86);
}

// `token` is the secret; Scaleway returns it in the create response only. Elsewhere the field
// stays, empty, because the API always writes every field (proto3 with defaults emitted) and the
// SDKs model it as a plain, non-nullable string.
json::object FunctionsTokens::to_json(const Token& token, bool reveal, std::string_view status) {
    json::object out;
    out["id"] = token.id;
    out["token"] = reveal ? token.secret : "";
    out["function_id"] = optional_string(token.function_id);
    out["namespace_id"] = optional_string(token.namespace_id);
    out["public_key"] = "";  // deprecated upstream; nothing reads it
    out["status"] = status;
    out["description"] = optional_string(token.description);
    out["expires_at"] = optional_time(token.expires_at, scw::kTimeDigits);
    return out;
}

}  // namespace cmcp::sandbox

#include "sandbox/iam_jwts.hpp"

#include <algorithm>
#include <boost/json/array.hpp>

#include "sandbox/scaleway.hpp"

namespace cmcp::sandbox {

namespace json = boost::json;
using namespace std::chrono_literals;

void IamJwts::seed(DemoData& demo) {
    demo.user_id = "bd40b601-a3ed-43fc-8ccb-9a8234977f02";
    const TimePoint now = Clock::now();
    const std::string browser =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Safari/537.36";
    std::lock_guard lock(mutex_);
    jwts_.push_back(Jwt{.jti = "ac0f1f7d-9d0b-445f-9c57-c180b473eeee",
                        .issuer_id = demo.user_id,
                        .audience_id = demo.user_id,
                        .created_at = now - 2h,
                        .updated_at = now - 10min,
                        .expires_at = now + 22h,
                        .ip = "203.0.113.24",
                        .user_agent = browser,
                        .sequence = 1});
    jwts_.push_back(Jwt{.jti = "8a45ed31-a297-47c7-af73-08a32833a4a0",
                        .issuer_id = demo.user_id,
                        .audience_id = demo.user_id,
                        .created_at = now - 9 * 24h,
                        .updated_at = now - 8 * 24h,
                        .expires_at = now - 2 * 24h,
                        .ip = "198.51.100.7",
                        .user_agent = "scaleway-cli/2.34.0",
                        .sequence = 2});
    // Another user's session, so the audience_id filter has something to leave out.
    const std::string other_user = "3a5b2cda-4eab-4b8b-bef1-ef5e3f20c2ff";
    jwts_.push_back(Jwt{.jti = "4b20c60b-ff7d-4931-8581-860f349cfa4d",
                        .issuer_id = other_user,
                        .audience_id = other_user,
                        .created_at = now - 5h,
                        .updated_at = now - 5h,
                        .expires_at = now + 19h,
                        .ip = "192.0.2.50",
                        .user_agent = browser,
                        .sequence = 3});
}

Reply IamJwts::handle(const Call& call) {
    const auto& segments = call.segments;
    if (matches(segments, {"jwts"}) && call.method() == "GET") {
        return list(call);
    }
    if (matches(segments, {"jwts", "*"})) {
        if (call.method() == "GET") {
            return get(segments[1]);
        }
        if (call.method() == "DELETE") {
            return remove(segments[1]);
        }
    }
    return scw::unknown_route(call.method(), call.request.path);
}

// `expired` absent lists every JWT; true keeps only expired ones, false only live ones.
Reply IamJwts::list(const Call& call) {
    const auto audience_id = call.query("audience_id");
    if (!audience_id || audience_id->empty()) {
        reject(scw::invalid_argument("audience_id", "required", "audience_id is required"));
    }
    const auto paging = scw::paging(call);
    const auto order =
        scw::enum_query(call, "order_by",
                        {"created_at_asc", "created_at_desc", "updated_at_asc", "updated_at_desc"},
                        "created_at_asc");
    const auto expired = scw::bool_query(call, "expired");
    const TimePoint now = Clock::now();

    std::vector<Jwt> selected;
    {
        std::lock_guard lock(mutex_);
        for (const auto& jwt : jwts_) {
            if (jwt.audience_id == *audience_id &&
                (!expired || (jwt.expires_at <= now) == *expired)) {
                selected.push_back(jwt);
            }
        }
    }
    const bool by_update = order.starts_with("updated_at");
    const bool descending = order.ends_with("_desc");
    std::stable_sort(selected.begin(), selected.end(), [&](const Jwt& a, const Jwt& b) {
        const auto key_a = std::pair(by_update ? a.updated_at : a.created_at, a.sequence);
        const auto key_b = std::pair(by_update ? b.updated_at : b.created_at, b.sequence);
        return descending ? key_b < key_a : key_a < key_b;
    });
    json::array items;
    for (const auto& jwt : page_of(selected, paging.page, paging.page_size)) {
        items.push_back(to_json(jwt));
    }
    json::object body;
    body["jwts"] = std::move(items);
    body["total_count"] = selected.size();
    return json_reply(200, body);
}

Reply IamJwts::get(const std::string& jti) {
    std::lock_guard lock(mutex_);
    return json_reply(200, to_json(*find(jti)));
}

Reply IamJwts::remove(const std::string& jti) {
    std::lock_guard lock(mutex_);
    jwts_.erase(find(jti));
    return no_content();
}

std::vector<IamJwts::Jwt>::iterator IamJwts::find(const std::string& jti) {
    const auto it =
        std::find_if(jwts_.begin(), jwts_.end(), [&](const Jwt& jwt) { return jwt.jti == jti; });
    if (it == jwts_.end()) {
        reject(scw::not_found("jwt", jti));
    }
    return it;
}

json::object IamJwts::to_json(const Jwt& jwt) {
    json::object out;
    out["jti"] = jwt.jti;
    out["issuer_id"] = jwt.issuer_id;
    out["audience_id"] = jwt.audience_id;
    out["created_at"] = format_time(jwt.created_at, scw::kTimeDigits);
    out["updated_at"] = format_time(jwt.updated_at, scw::kTimeDigits);
    out["expires_at"] = format_time(jwt.expires_at, scw::kTimeDigits);
    out["ip"] = jwt.ip;
    out["user_agent"] = jwt.user_agent;
    return out;
}

}  // namespace cmcp::sandbox

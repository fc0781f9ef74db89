#include "harness.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace cmcp::sandbox::test {

Options make_options(bool demo_data) {
    Options options;
    options.scaleway_secret_key = kScalewayKey;
    options.planetscale_authorization = kPlanetScaleAuthorization;
    options.demo_data = demo_data;
    return options;
}

std::string Answer::header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
}

boost::json::object Answer::object() const {
    boost::system::error_code error;
    boost::json::value value = boost::json::parse(body, error);
    if (error || !value.is_object()) {
        ADD_FAILURE() << "not a JSON object (status " << status << "): " << body;
        return {};
    }
    return value.as_object();
}

std::string Answer::text(std::string_view key) const {
    const auto parsed = object();
    const auto* value = parsed.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

Answer send(const Sandbox& sandbox, const std::string& method, const std::string& target,
            const httplib::Headers& headers, const std::string& body) {
    httplib::Client client(sandbox.base_url());
    client.set_url_encode(false);
    client.set_connection_timeout(std::chrono::seconds(5));
    client.set_read_timeout(std::chrono::seconds(20));
    httplib::Request request;
    request.method = method;
    request.path = target;
    request.headers = headers;
    request.body = body;
    if (!body.empty() && !request.has_header("Content-Type")) {
        request.set_header("Content-Type", "application/json; charset=utf-8");
    }
    const auto result = client.send(request);
    Answer answer;
    if (result) {
        answer.status = result->status;
        answer.body = result->body;
        answer.headers = result->headers;
    } else {
        answer.body = httplib::to_string(result.error());
    }
    return answer;
}

Answer scw(const Sandbox& sandbox, const std::string& method, const std::string& target,
           const std::string& body) {
    return send(sandbox, method, target, {{"X-Auth-Token", kScalewayKey}}, body);
}

Answer ps(const Sandbox& sandbox, const std::string& method, const std::string& target,
          const std::string& body) {
    return send(sandbox, method, target, {{"Authorization", kPlanetScaleAuthorization}}, body);
}

std::string str(const boost::json::value& value) {
    return value.is_string() ? std::string(value.get_string()) : "<not a string>";
}

std::int64_t num(const boost::json::value& value) {
    if (value.is_int64()) {
        return value.get_int64();
    }
    if (value.is_uint64()) {
        return static_cast<std::int64_t>(value.get_uint64());
    }
    ADD_FAILURE() << "not an integer: " << boost::json::serialize(value);
    return -1;
}

bool is_uuid_text(const std::string& text) {
    static const std::regex pattern(
        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    return std::regex_match(text, pattern);
}

}  // namespace cmcp::sandbox::test

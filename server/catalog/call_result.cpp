#include "catalog/call_result.hpp"

#include <boost/json.hpp>

#include "catalog/request_builder.hpp"
#include "upstream/vendor_error.hpp"

namespace cmcp::catalog {
namespace json = boost::json;

namespace {

json::object text_result(std::string text) {
    return {{"content", json::array{json::object{{"type", "text"}, {"text", std::move(text)}}}}};
}

std::string attempts_note(int attempts) {
    return attempts > 1 ? " (gave up after " + std::to_string(attempts) + " attempts)" : "";
}

std::string invalid_argument_details(const json::object& fields) {
    const auto* details = fields.if_contains("details");
    if (details == nullptr || !details->is_array()) {
        return {};
    }
    std::string text;
    for (const auto& entry : details->get_array()) {
        const auto* detail = entry.if_object();
        if (detail == nullptr) {
            continue;
        }
        auto field = [detail](std::string_view key) {
            const auto* value = detail->if_contains(key);
            return value != nullptr && value->is_string() ? std::string(value->get_string())
                                                          : std::string();
        };
        text += "\n- argument `" + field("argument_name") + "`: " + field("reason");
        if (const auto help = field("help_message"); !help.empty()) {
            text += " (" + help + ")";
        }
    }
    return text;
}

std::string hint_for(upstream::Provider provider, int status) {
    const bool scaleway = provider == upstream::Provider::scaleway;
    switch (status) {
        case 400:
        case 422:
            return "The upstream rejected the request as invalid; correct the arguments it names "
                   "and call again.";
        case 401:
            return scaleway
                       ? "The server's Scaleway credentials were rejected. The operator must "
                         "check SCW_SECRET_KEY (or SCALEWAY_API_KEY); retrying will not help."
                       : "The server's PlanetScale credentials were rejected. The operator must "
                         "check PLANETSCALE_SERVICE_TOKEN_ID and PLANETSCALE_SERVICE_TOKEN "
                         "(or PLANETSCALE_API_KEY); retrying will not help.";
        case 403:
            return scaleway
                       ? "The Scaleway API key is valid but lacks the IAM permission for this "
                         "operation; the operator must grant it."
                       : "The PlanetScale service token lacks the access this operation needs; "
                         "the operator must grant it.";
        case 404:
            return scaleway
                       ? "Check the ID and the region: Scaleway resources live in one region."
                       : "Check the organization name and the ID. PlanetScale also answers 404 "
                         "when the server's service token lacks the access this call needs "
                         "(for example read_service_tokens).";
        case 409:
            return "The resource's current state does not allow this operation; read it again "
                   "before deciding what to do.";
        case 429:
            return "Rate limited; wait before calling again.";
        default:
            if (status >= 500) {
                return "The upstream failed; calling again later may work.";
            }
            return {};
    }
}

json::object vendor_error_result(const Tool& tool, const upstream::Response& response) {
    const auto provider = tool.definition.provider;
    const auto error = upstream::parse_vendor_error(provider, response.status, response.body);
    std::string text = std::string(provider_display_name(provider)) + " API error: HTTP " +
                       std::to_string(response.status);
    if (const auto reason = upstream::http_reason(response.status); !reason.empty()) {
        text += " " + std::string(reason);
    }
    if (!error.code.empty()) {
        text += ", " + std::string(provider == upstream::Provider::scaleway ? "type" : "code") +
                " " + error.code;
    }
    text += attempts_note(response.attempts) + ": " + error.message;
    if (error.code == "invalid_arguments") {
        text += invalid_argument_details(error.fields);
    }
    json::object rest = error.fields;
    if (error.code == "invalid_arguments") {
        rest.erase("details");
    }
    if (!rest.empty()) {
        text += "\nDetails: " + json::serialize(rest);
    }
    if (!error.json_body && !response.body.empty()) {
        text += "\n(The response body was not JSON" +
                (response.content_type.empty() ? std::string()
                                               : "; Content-Type " + response.content_type) +
                ".)";
    }
    if (const auto hint = hint_for(provider, response.status); !hint.empty()) {
        text += "\n" + hint;
    }
    return error_result(std::move(text));
}

json::object success_result(const Tool& tool, const PreparedCall& call,
                            const upstream::Response& response, bool structured,
                            const Logger& logger) {
    json::value payload;
    if (response.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        payload = tool.definition.empty_response
                      ? render_template(*tool.definition.empty_response, call.arguments)
                      : json::value(json::object{{"status", response.status}});
    } else {
        boost::system::error_code ec;
        payload = json::parse(response.body, ec);
        if (ec) {
            return error_result(std::string(provider_display_name(tool.definition.provider)) +
                                " answered HTTP " + std::to_string(response.status) +
                                " with a body that is not JSON; the operation may have "
                                "succeeded. Read the resource again before retrying.");
        }
    }
    // The text block repeats the upstream JSON as the vendor wrote it (no re-serialisation
    // artefacts such as 5.05E1); generated payloads are serialised.
    std::string text;
    if (!payload.is_object()) {
        payload = json::object{{"result", std::move(payload)}};
    } else if (!tool.definition.empty_response || !response.body.empty()) {
        const auto first = response.body.find_first_not_of(" \t\r\n");
        const auto last = response.body.find_last_not_of(" \t\r\n");
        if (first != std::string::npos) {
            text = response.body.substr(first, last - first + 1);
        }
    }
    if (text.empty()) {
        text = json::serialize(payload);
    }
    if (tool.output_check) {
        for (const auto& violation : tool.output_check->check(payload)) {
            logger->warn("tool {}: upstream response does not match the output schema at '{}': {}",
                         tool.definition.name, violation.pointer, violation.message);
        }
    }
    auto result = text_result(std::move(text));
    if (structured) {
        result["structuredContent"] = std::move(payload);
    }
    return result;
}

}  // namespace

std::string_view provider_display_name(upstream::Provider provider) {
    return provider == upstream::Provider::scaleway ? "Scaleway" : "PlanetScale";
}

json::object error_result(std::string text) {
    auto result = text_result(std::move(text));
    result["isError"] = true;
    return result;
}

json::value render_template(const json::value& node, const json::object& arguments) {
    if (const auto* text = node.if_string()) {
        const std::string_view view = *text;
        if (view.size() > 2 && view.front() == '{' && view.back() == '}' &&
            view.find('{', 1) == std::string_view::npos) {
            const auto* value = arguments.if_contains(view.substr(1, view.size() - 2));
            return value != nullptr ? *value : json::value(nullptr);
        }
        std::string out;
        std::size_t position = 0;
        while (position < view.size()) {
            const auto open = view.find('{', position);
            const auto close = open == std::string_view::npos ? open : view.find('}', open);
            if (close == std::string_view::npos) {
                out += view.substr(position);
                break;
            }
            out += view.substr(position, open - position);
            if (const auto* value =
                    arguments.if_contains(view.substr(open + 1, close - open - 1))) {
                out += url_text(*value);
            }
            position = close + 1;
        }
        return json::value(out);
    }
    if (const auto* object = node.if_object()) {
        json::object out;
        for (const auto& [key, value] : *object) {
            out[key] = render_template(value, arguments);
        }
        return out;
    }
    if (const auto* array = node.if_array()) {
        json::array out;
        for (const auto& value : *array) {
            out.push_back(render_template(value, arguments));
        }
        return out;
    }
    return node;
}

json::object make_call_result(const Tool& tool, const PreparedCall& call,
                              const upstream::Outcome& outcome, bool structured,
                              const Logger& logger) {
    if (const auto* failure = std::get_if<upstream::Failure>(&outcome)) {
        return error_result(failure->message);
    }
    const auto& response = std::get<upstream::Response>(outcome);
    if (response.status >= 200 && response.status < 300) {
        return success_result(tool, call, response, structured, logger);
    }
    return vendor_error_result(tool, response);
}

}  // namespace cmcp::catalog

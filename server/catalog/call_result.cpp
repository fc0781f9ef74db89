#include "catalog/call_result.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <variant>

#include "catalog/request_builder.hpp"
#include "support/json_text.hpp"
#include "support/text.hpp"
#include "upstream/vendor_error.hpp"

namespace cmcp::catalog {
namespace json = boost::json;

namespace {

json::object text_result(std::string text) {
    return {{"content", json::array{json::object{{"type", "text"}, {"text", std::move(text)}}}}};
}

bool is_transient(int status) {
    return status == 429 || status == 502 || status == 503 || status == 504;
}

// "Gave up" only when the last answer was itself a transient one; otherwise the retries were
// for an earlier failure and the final answer is the vendor's verdict.
std::string attempts_note(int status, int attempts) {
    if (attempts <= 1) {
        return "";
    }
    return is_transient(status)
               ? " (gave up after " + std::to_string(attempts) + " attempts)"
               : " (on attempt " + std::to_string(attempts) + ", after transient failures)";
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

json::object vendor_error_result(const Tool& tool, const PreparedCall& call,
                                 const upstream::Response& response) {
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
    text += attempts_note(response.status, response.attempts) + ": " + error.message;
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
                (response.content_type.empty()
                     ? std::string()
                     : "; Content-Type " + printable(response.content_type, 100)) +
                ".)";
    }
    if (response.status == 404 && response.attempts > 1 && call.request.method == "DELETE") {
        text +=
            "\nAn earlier attempt of this delete got no clear answer (a timeout or a gateway "
            "error) and was retried, so this 404 most likely means that attempt already "
            "deleted it. Confirm with a get or list call before assuming the ID was wrong.";
    } else if (const auto hint = hint_for(provider, response.status); !hint.empty()) {
        text += "\n" + hint;
    }
    return error_result(std::move(text));
}

// ---------------------------------------------------------------------------------------------
// Paging hints and the result size limit

std::optional<std::int64_t> integer_of(const json::value* value) {
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_int64()) {
        return value->get_int64();
    }
    if (value->is_uint64() &&
        value->get_uint64() <=
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return static_cast<std::int64_t>(value->get_uint64());
    }
    if (value->is_double()) {
        const double number = value->get_double();
        if (std::isfinite(number) && number == std::floor(number) && std::fabs(number) < 1e15) {
            return static_cast<std::int64_t>(number);
        }
    }
    return std::nullopt;
}

// a * b, saturating (page numbers are not bounded for every vendor).
std::int64_t times(std::int64_t a, std::int64_t b) {
    if (a > 0 && b > 0 && a > std::numeric_limits<std::int64_t>::max() / b) {
        return std::numeric_limits<std::int64_t>::max();
    }
    return a * b;
}

enum class More { yes, no, unknown };

// What one page of a list result says about the whole list. Item positions are 1-based.
struct PageView {
    std::int64_t page = 1;                  // the page the call asked for (default 1)
    std::optional<std::int64_t> page_size;  // as the call gave it
    std::int64_t count = 0;                 // items on this page, before any cut
    std::optional<std::int64_t> total;      // items across all pages, when the response says
    More more = More::unknown;              // whether pages after this one exist
    std::int64_t next_page = 0;             // when more == yes: the page to ask for next
    std::optional<std::int64_t> size;       // page size in force: given, or inferred
    std::optional<std::int64_t> first;      // position of this page's first item
    bool capped = false;  // the upstream returned fewer items than page_size on a non-last page
};

// The value the request carried for an argument: the call's, or a default sent for it.
const json::value* sent_value(const ToolDefinition& definition, const json::object& arguments,
                              const std::string& name) {
    if (const auto* value = arguments.if_contains(name)) {
        return value;
    }
    const auto* argument = definition.find_argument(name);
    return argument != nullptr && argument->send_default && argument->schema_default
               ? &*argument->schema_default
               : nullptr;
}

PageView read_page(const ToolDefinition& definition, const json::object& arguments,
                   const json::object& payload, std::int64_t count) {
    const auto& paging = *definition.pagination;
    PageView view;
    view.count = count;
    if (const auto page = integer_of(sent_value(definition, arguments, paging.page_argument));
        page && *page >= 1) {
        view.page = *page;
    }
    if (const auto size = integer_of(sent_value(definition, arguments, paging.page_size_argument));
        size && *size >= 1) {
        view.page_size = size;
    }
    if (paging.total) {
        if (const auto total = integer_of(payload.if_contains(*paging.total));
            total && *total >= 0) {
            view.total = total;
        }
    }
    // next_page, when the response has it, decides: a number means more pages, null none.
    std::optional<More> decided;
    if (paging.next_page) {
        if (const auto* next = payload.if_contains(*paging.next_page)) {
            if (next->is_null()) {
                decided = More::no;
            } else if (const auto number = integer_of(next); number && *number > view.page) {
                decided = More::yes;
                view.next_page = *number;
            }
        }
    }
    const auto page = view.page;
    const auto total = view.total;
    // The call's page size holds when the page is full, or short because it is the last one.
    bool size_from_call = false;
    if (view.page_size) {
        const auto asked = *view.page_size;
        if (count == asked) {
            size_from_call = true;
        } else if (count < asked) {
            size_from_call =
                decided ? *decided == More::no : !total || times(page - 1, asked) + count >= *total;
        }
    }
    if (size_from_call) {
        view.size = view.page_size;
        if (decided) {
            view.more = *decided;
        } else if (count == 0) {
            view.more = More::no;
        } else if (total) {
            view.more = times(page, *view.page_size) < *total ? More::yes : More::no;
        } else {
            view.more = count < *view.page_size ? More::no : More::unknown;
        }
    } else {
        // No usable page size from the call: the upstream's own (default or cap) applies.
        // A page that is not the last one is full, which pins that size down.
        if (decided) {
            view.more = *decided;
        } else if (count == 0) {
            view.more = More::no;
        } else if (!total) {
            view.more = More::unknown;
        } else if (page == 1) {
            view.more = count < *total ? More::yes : More::no;
        } else if (times(page, count) >= *total) {
            view.more = More::no;  // even as a full page, this one reaches the end
        } else if ((*total - count) % (page - 1) == 0 && (*total - count) / (page - 1) > count) {
            view.more = More::unknown;  // a last page after larger full pages fits too
        } else {
            view.more = More::yes;
        }
        if (view.more == More::yes && count > 0) {
            view.size = count;
            view.capped = view.page_size.has_value();
        }
    }
    if (view.more == More::yes && view.next_page == 0) {
        view.next_page = page + 1;
    }
    if (view.size) {
        view.first = times(page - 1, *view.size) + 1;
    } else if (page == 1) {
        view.first = 1;
    } else if (view.more == More::no && total && count > 0 && *total >= count) {
        view.first = *total - count + 1;
    }
    return view;
}

std::string items_text(std::optional<std::int64_t> first, std::int64_t count) {
    if (!first) {
        return std::to_string(count) + (count == 1 ? " item" : " items");
    }
    if (count == 1) {
        return "item " + std::to_string(*first);
    }
    return "items " + std::to_string(*first) + "-" + std::to_string(*first + count - 1);
}

std::string page_hint(const Tool& tool, const PageView& view) {
    const auto& paging = *tool.definition.pagination;
    const std::string noun = "(" + paging.items + ")";
    const std::string& name = tool.definition.name;
    const std::string page = std::to_string(view.page);
    const std::string of_total = view.total ? " of " + std::to_string(*view.total) : "";
    if (view.count == 0) {
        if (view.page == 1) {
            return "No items " + noun + " are in this result; there are no more pages.";
        }
        std::string text = "Page " + page + " is empty: it is past the last page";
        if (view.total) {
            text += " (there are " + std::to_string(*view.total) + " items " + noun + " in all";
            if (view.size && *view.total > 0) {
                text += ", so with " + paging.page_size_argument + "=" +
                        std::to_string(*view.size) + " the last page is page " +
                        std::to_string((*view.total + *view.size - 1) / *view.size);
            }
            text += ")";
        }
        return text + ". There are no more pages.";
    }
    switch (view.more) {
        case More::no:
            if (view.page == 1 && (!view.total || *view.total == view.count)) {
                return (view.count == 1 ? std::string("The only item ")
                                        : "All " + std::to_string(view.count) + " items ") +
                       noun + (view.count == 1 ? " is" : " are") +
                       " in this result; there are no more pages.";
            }
            return "Page " + page + ": " + items_text(view.first, view.count) + of_total + " " +
                   noun + ". This is the last page; there are no more pages.";
        case More::yes: {
            std::string text = "Page " + page;
            if (view.total && view.size &&
                (*view.total + *view.size - 1) / *view.size >= view.next_page) {
                text += " of " + std::to_string((*view.total + *view.size - 1) / *view.size);
            }
            text += ": " + items_text(view.first, view.count) + of_total + " " + noun +
                    ". More pages exist: call " + name + " again with " + paging.page_argument +
                    "=" + std::to_string(view.next_page) + " and the same arguments.";
            if (view.capped) {
                text += " Note: the upstream returned " + std::to_string(view.count) +
                        " items, fewer than " + paging.page_size_argument + "=" +
                        std::to_string(*view.page_size) + " asked for, so it pages by " +
                        std::to_string(view.count) + ".";
            }
            return text;
        }
        case More::unknown:
            break;
    }
    std::string text = "Page " + page + ": " + items_text(view.first, view.count) +
                       (view.total ? ", " + std::to_string(*view.total) + " in all" : "") + " " +
                       noun + ". Whether more pages exist is not certain";
    const bool size_unknown = !view.size && view.total;
    text += size_unknown ? " because " + paging.page_size_argument +
                               " was not given, so the upstream's default page size applies"
                         : " from this response";
    text += ": call " + name + " again with " + paging.page_argument + "=" +
            std::to_string(view.page + 1) +
            " and the same arguments; an empty page means there are no more.";
    if (size_unknown) {
        text += " To page exactly, start again at " + paging.page_argument +
                "=1 with an explicit " + paging.page_size_argument + ".";
    }
    return text;
}

std::string too_large_text(const Tool& tool, const upstream::Response& response, std::size_t size,
                           std::size_t limit) {
    std::string text = std::string(provider_display_name(tool.definition.provider)) +
                       " answered HTTP " + std::to_string(response.status) +
                       ", but the result is " + std::to_string(size) +
                       " bytes of JSON, over the limit of " + std::to_string(limit) +
                       " bytes a tool result may have (set by --max-result-bytes).";
    return text;
}

std::string not_repeated_note(const Tool& tool) {
    return tool.definition.annotations.read_only
               ? std::string()
               : " The operation itself succeeded: do not repeat it.";
}

// The advice after a cut: which page_size and page give the items after the shown ones.
std::string continue_advice(const Tool& tool, const PageView& view, std::int64_t shown) {
    const auto& paging = *tool.definition.pagination;
    const std::string& name = tool.definition.name;
    const std::string size_name = paging.page_size_argument;
    const std::string page_name = paging.page_argument;
    if (!view.first) {
        return "This page's position is not known because " + size_name +
               " was not given; to get every item, start again at " + page_name + "=1 with " +
               size_name + "=" + std::to_string(shown) + " and the same other arguments.";
    }
    const std::int64_t before = *view.first - 1 + shown;  // items up to the last one shown
    // A page size no larger than what fitted, for which a page starts right after them.
    for (std::int64_t size = shown; size >= (shown + 1) / 2; --size) {
        if (before % size == 0) {
            return "To get the rest, call " + name + " again with " + size_name + "=" +
                   std::to_string(size) + " and " + page_name + "=" +
                   std::to_string(before / size + 1) +
                   " and the same other arguments, then follow the paging notes.";
        }
    }
    const std::int64_t page = before / shown + 1;
    const std::int64_t start = (page - 1) * shown + 1;
    return "No " + size_name + " of at most " + std::to_string(shown) +
           " gives a page that starts right after item " + std::to_string(before) + ": call " +
           name + " again with " + size_name + "=" + std::to_string(shown) + " and " + page_name +
           "=" + std::to_string(page) + " (it starts at item " + std::to_string(start) +
           ", so its first " + std::to_string(before - start + 1) +
           " items repeat ones shown here), or start again at " + page_name + "=1 with " +
           size_name + "=" + std::to_string(shown) + ".";
}

struct Cut {
    std::string text;  // the cut JSON
    std::string hint;
};

// Keeps the leading items of the page that fit in `limit` bytes of JSON text. The error text
// when not even one item fits.
std::variant<Cut, std::string> cut_items(const Tool& tool, const upstream::Response& response,
                                         json::object& payload, const PageView& view,
                                         std::size_t full_size, std::size_t limit,
                                         const Logger& logger) {
    const auto& paging = *tool.definition.pagination;
    auto& slot = payload[paging.items];
    json::array items = std::move(slot.as_array());
    slot = json::array();
    // Serialisation is context-free, so the cut JSON's size is the empty shell's size plus each
    // kept item's size plus the commas between them.
    const std::size_t shell = json::serialize(payload).size();
    std::size_t size = shell;
    std::size_t kept = 0;
    for (const auto& item : items) {
        const std::size_t grown = size + json::serialize(item).size() + (kept == 0 ? 0 : 1);
        if (grown > limit) {
            break;
        }
        size = grown;
        ++kept;
    }
    if (kept == 0) {
        std::string text = too_large_text(tool, response, full_size, limit);
        text += shell > limit ? " Even without any items (" + paging.items + ") the response is " +
                                    std::to_string(shell) + " bytes,"
                              : " The first item (" + paging.items + ") alone does not fit,";
        text +=
            " so paging cannot make it small enough; the operator can raise "
            "--max-result-bytes." +
            not_repeated_note(tool);
        return text;
    }
    items.resize(kept);
    slot = std::move(items);
    Cut cut;
    cut.text = json::serialize(payload);
    const auto shown = static_cast<std::int64_t>(kept);
    logger->info("tool {}: result of {} bytes cut to {} of {} items ({} bytes) to stay within {}",
                 tool.definition.name, full_size, kept, view.count, cut.text.size(), limit);
    cut.hint = "This result was cut to fit the size limit: it holds only the first " +
               std::to_string(shown) + " of the " + std::to_string(view.count) + " items (" +
               paging.items + ") of page " + std::to_string(view.page) + " (" +
               items_text(view.first, shown) +
               (view.total ? " of " + std::to_string(*view.total) : "") + "). The full page is " +
               std::to_string(full_size) + " bytes of JSON, over the limit of " +
               std::to_string(limit) + " bytes (set by --max-result-bytes). " +
               continue_advice(tool, view, shown);
    return cut;
}

json::object success_result(const Tool& tool, const PreparedCall& call,
                            const upstream::Response& response, bool structured,
                            std::size_t max_result_bytes, const Logger& logger) {
    json::value payload;
    if (response.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        payload = tool.definition.empty_response
                      ? render_template(*tool.definition.empty_response, call.arguments)
                      : json::value(json::object{{"status", response.status}});
    } else {
        // parse_json_text also refuses 1e999, which would reach the client as Infinity.
        std::string problem;
        auto parsed = parse_json_text(response.body, problem);
        if (!parsed) {
            return error_result(std::string(provider_display_name(tool.definition.provider)) +
                                " answered HTTP " + std::to_string(response.status) +
                                " with a body that is not JSON; the operation may have "
                                "succeeded. Read the resource again before retrying.");
        }
        payload = std::move(*parsed);
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
    // A list tool's page: what it says about further pages (content[1]).
    std::optional<PageView> page;
    if (tool.definition.pagination) {
        const auto* items = payload.get_object().if_contains(tool.definition.pagination->items);
        if (items != nullptr && items->is_array()) {
            page = read_page(tool.definition, call.arguments, payload.get_object(),
                             static_cast<std::int64_t>(items->get_array().size()));
        }
    }
    std::string hint;
    if (text.size() > max_result_bytes) {
        // Compact JSON may fit where the vendor's indented text does not.
        auto compact = json::serialize(payload);
        const std::size_t full_size = std::min(compact.size(), text.size());
        if (compact.size() <= max_result_bytes) {
            text = std::move(compact);
        } else if (page) {
            auto cut = cut_items(tool, response, payload.get_object(), *page, full_size,
                                 max_result_bytes, logger);
            if (auto* problem = std::get_if<std::string>(&cut)) {
                logger->warn("tool {}: result of {} bytes exceeds {} even when cut",
                             tool.definition.name, full_size, max_result_bytes);
                return error_result(std::move(*problem));
            }
            text = std::move(std::get<Cut>(cut).text);
            hint = std::move(std::get<Cut>(cut).hint);
        } else {
            logger->warn("tool {}: result of {} bytes exceeds the limit of {}",
                         tool.definition.name, full_size, max_result_bytes);
            return error_result(too_large_text(tool, response, full_size, max_result_bytes) + " " +
                                tool.definition.name +
                                " does not page, so no other call can make the result smaller; "
                                "the operator can raise --max-result-bytes." +
                                not_repeated_note(tool));
        }
    }
    if (page && hint.empty()) {
        hint = page_hint(tool, *page);
    }
    if (tool.output_check) {
        for (const auto& violation : tool.output_check->check(payload)) {
            logger->warn("tool {}: upstream response does not match the output schema at '{}': {}",
                         tool.definition.name, violation.pointer, violation.message);
        }
    }
    auto result = text_result(std::move(text));
    if (!hint.empty()) {
        result["content"].as_array().push_back(
            json::object{{"type", "text"}, {"text", std::move(hint)}});
    }
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
                              std::size_t max_result_bytes, const Logger& logger) {
    if (const auto* failure = std::get_if<upstream::Failure>(&outcome)) {
        auto result = error_result(failure->message);
        mark_outcome(result, upstream::to_string(failure->kind));
        return result;
    }
    const auto& response = std::get<upstream::Response>(outcome);
    const bool success = response.status >= 200 && response.status < 300;
    auto result = success
                      ? success_result(tool, call, response, structured, max_result_bytes, logger)
                      : vendor_error_result(tool, call, response);
    mark_outcome(result,
                 !success                     ? "vendor_error"
                 : result.contains("isError") ? "result_unusable"
                                              : "ok",
                 response.status);
    return result;
}

void mark_outcome(json::object& result, std::string_view outcome,
                  std::optional<int> upstream_status) {
    json::object facts{{"outcome", outcome}};
    if (upstream_status) {
        facts["upstream_status"] = *upstream_status;
    }
    auto& meta = result["_meta"];
    if (!meta.is_object()) {
        meta = json::object();
    }
    meta.get_object()[kOutcomeMetaKey] = std::move(facts);
}

}  // namespace cmcp::catalog

#include "protocol/jsonrpc.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "support/json_text.hpp"

namespace cmcp::protocol {
namespace json = boost::json;

namespace {

// Not valid UTF-8, so no parsed JSON text can hold this key.
constexpr std::string_view kNumberTextKey =
    "\xFF"
    "number-text";

// Finds the text of every message's "id" number, as written: of the root object, or of each
// element of a root array (a batch), in order. Only called for messages whose parsed id is a
// double, so its cost never touches ordinary traffic.
class IdTextFinder {
  public:
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);

    // Index: the message (0 for a single one, the element for a batch); value: the id text.
    std::vector<std::pair<std::size_t, std::string>> found;

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_array_begin(json::error_code&) { return open(true); }
    bool on_array_end(std::size_t, json::error_code&) { return close(); }
    bool on_object_begin(json::error_code&) { return open(false); }
    bool on_object_end(std::size_t, json::error_code&) { return close(); }
    bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_string(json::string_view, std::size_t, json::error_code&) { return value_done(); }
    bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
        key_ += part;
        return true;
    }
    bool on_key(json::string_view part, std::size_t, json::error_code&) {
        key_ += part;
        at_id_ = in_message() && key_ == "id";
        key_.clear();
        return true;
    }
    bool on_number_part(json::string_view part, json::error_code&) {
        number_ += part;
        return true;
    }
    bool on_int64(std::int64_t, json::string_view part, json::error_code&) { return number(part); }
    bool on_uint64(std::uint64_t, json::string_view part, json::error_code&) {
        return number(part);
    }
    bool on_double(double, json::string_view part, json::error_code&) { return number(part); }
    bool on_bool(bool, json::error_code&) { return value_done(); }
    bool on_null(json::error_code&) { return value_done(); }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

  private:
    // A message is the root object, or an object directly inside the root array.
    bool in_message() const {
        return (depth_ == 1 && !root_is_array_) || (depth_ == 2 && root_is_array_);
    }
    bool open(bool array) {
        if (depth_ == 0) {
            root_is_array_ = array;
        } else if (depth_ == 1 && root_is_array_) {
            ++element_;
        }
        ++depth_;
        at_id_ = false;
        return true;
    }
    bool close() {
        --depth_;
        return true;
    }
    bool number(json::string_view part) {
        number_ += part;
        if (at_id_) {
            found.emplace_back(root_is_array_ ? element_ - 1 : 0, number_);
        }
        number_.clear();
        return value_done();
    }
    bool value_done() {
        at_id_ = false;
        return true;
    }

    int depth_ = 0;
    bool root_is_array_ = false;
    std::size_t element_ = 0;
    bool at_id_ = false;
    std::string key_;
    std::string number_;
};

json::value* id_slot(json::value& message) {
    auto* object = message.if_object();
    auto* id = object == nullptr ? nullptr : object->if_contains("id");
    return id != nullptr && id->is_double() ? id : nullptr;
}

void keep_id_texts(std::string_view text, json::value& message) {
    const bool any = message.is_array()
                         ? std::any_of(message.get_array().begin(), message.get_array().end(),
                                       [](json::value& element) { return id_slot(element); })
                         : id_slot(message) != nullptr;
    if (!any) {
        return;
    }
    json::parse_options options;
    options.max_depth = kMaxJsonDepth;
    json::basic_parser<IdTextFinder> finder(options);
    json::error_code ec;
    finder.write_some(false, text.data(), text.size(), ec);
    if (ec) {
        return;  // cannot happen for a text that parsed; the ids stay doubles
    }
    for (auto& [index, number] : finder.handler().found) {
        json::value* element = &message;
        if (auto* batch = message.if_array()) {
            if (index >= batch->size()) {
                continue;
            }
            element = &(*batch)[index];
        }
        if (auto* id = id_slot(*element)) {
            *id = json::object{{kNumberTextKey, std::move(number)}};
        }
    }
}

bool is_number_text(std::string_view text) {
    // What a JSON number can be: -?digits[.digits][(e|E)[+-]digits], nothing else.
    return !text.empty() && text.find_first_not_of("0123456789+-.eE") == std::string_view::npos;
}

void append_serialized(std::string& out, const json::value& message) {
    const auto* object = message.if_object();
    const auto* id = object == nullptr ? nullptr : object->if_contains("id");
    if (id == nullptr || !number_text_of(*id)) {
        out += json::serialize(message);
        return;
    }
    out.push_back('{');
    bool first = true;
    for (const auto& [key, value] : *object) {
        if (!first) {
            out.push_back(',');
        }
        first = false;
        out += json::serialize(json::string(key));
        out.push_back(':');
        if (const auto number = number_text_of(value); number && key == "id") {
            out += *number;
        } else {
            out += json::serialize(value);
        }
    }
    out.push_back('}');
}

}  // namespace

bool is_valid_id(const json::value& id) {
    return id.is_string() || id.is_number() || number_text_of(id).has_value();
}

std::string id_key(const json::value& id) {
    if (const auto number = number_text_of(id)) {
        // The same key as the double a client's notifications/cancelled names it by.
        double value = 0;
        std::from_chars(number->data(), number->data() + number->size(), value);
        return json::serialize(json::value(value));
    }
    return json::serialize(id);
}

std::optional<json::value> parse_message(std::string_view text, std::string& error) {
    json::parse_options options;
    options.max_depth = kMaxJsonDepth;
    auto message = parse_json_text(text, error, options);
    if (message) {
        keep_id_texts(text, *message);
    }
    return message;
}

std::optional<std::string_view> number_text_of(const json::value& id) {
    const auto* object = id.if_object();
    if (object == nullptr || object->size() != 1) {
        return std::nullopt;
    }
    const auto* text = object->if_contains(kNumberTextKey);
    if (text == nullptr || !text->is_string() || !is_number_text(text->get_string())) {
        return std::nullopt;
    }
    return std::string_view(text->get_string());
}

std::string serialize_message(const json::value& message) {
    if (const auto number = number_text_of(message)) {
        return std::string(*number);  // an id on its own (a prepared reply's tail, the audit log)
    }
    if (const auto* batch = message.if_array()) {
        std::string out = "[";
        for (std::size_t i = 0; i < batch->size(); ++i) {
            if (i != 0) {
                out.push_back(',');
            }
            append_serialized(out, (*batch)[i]);
        }
        out.push_back(']');
        return out;
    }
    std::string out;
    append_serialized(out, message);
    return out;
}

json::object make_result(const json::value& id, json::value result) {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json::object make_error(const json::value& id, int code, std::string_view message) {
    return {{"jsonrpc", "2.0"},
            {"id", id},
            {"error", json::object{{"code", code}, {"message", message}}}};
}

json::object make_error(const json::value& id, int code, std::string_view message,
                        json::value data) {
    auto error = make_error(id, code, message);
    error["error"].as_object()["data"] = std::move(data);
    return error;
}

json::object make_notification(std::string_view method, json::object params) {
    return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

}  // namespace cmcp::protocol

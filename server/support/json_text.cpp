#include "support/json_text.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace cmcp {
namespace {

std::string position_of(std::string_view text, std::size_t offset) {
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

bool has_non_finite_number(const boost::json::value& value) {
    if (const auto* number = value.if_double()) {
        return !std::isfinite(*number);
    }
    if (const auto* array = value.if_array()) {
        return std::any_of(array->begin(), array->end(), has_non_finite_number);
    }
    if (const auto* object = value.if_object()) {
        return std::any_of(object->begin(), object->end(),
                           [](const auto& entry) { return has_non_finite_number(entry.value()); });
    }
    return false;
}

}  // namespace

std::optional<boost::json::value> parse_json_text(std::string_view text, std::string& error,
                                                  const boost::json::parse_options& options) {
    boost::json::stream_parser parser({}, options);
    boost::system::error_code ec;
    const std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
    if (!ec && consumed < text.size()) {
        // write_some stops after one complete value; anything but whitespace after it is junk.
        const auto rest = text.substr(consumed);
        if (rest.find_first_not_of(" \t\r\n") != std::string_view::npos) {
            error = "unexpected data after the JSON value at " +
                    position_of(text, consumed + rest.find_first_not_of(" \t\r\n"));
            return std::nullopt;
        }
    }
    if (!ec) {
        parser.finish(ec);
    }
    if (ec) {
        error = ec.message() + " at " + position_of(text, consumed);
        return std::nullopt;
    }
    auto value = parser.release();
    // Boost.JSON reads 1e999 as infinity, which no JSON text can carry: echoed back (as an id,
    // say) it would serialise as something no client can parse.
    if (has_non_finite_number(value)) {
        error = "number out of range (too large for a double)";
        return std::nullopt;
    }
    return value;
}

namespace {

void write_readable(const boost::json::value& value, std::string& out) {
    switch (value.kind()) {
        case boost::json::kind::double_: {
            char buffer[64];
            const auto result = std::to_chars(buffer, buffer + sizeof buffer, value.get_double());
            out.append(buffer, result.ptr);
            return;
        }
        case boost::json::kind::array: {
            out.push_back('[');
            bool first = true;
            for (const auto& item : value.get_array()) {
                if (!first) {
                    out.push_back(',');
                }
                first = false;
                write_readable(item, out);
            }
            out.push_back(']');
            return;
        }
        case boost::json::kind::object: {
            out.push_back('{');
            bool first = true;
            for (const auto& [key, item] : value.get_object()) {
                if (!first) {
                    out.push_back(',');
                }
                first = false;
                out += boost::json::serialize(boost::json::string_view(key));
                out.push_back(':');
                write_readable(item, out);
            }
            out.push_back('}');
            return;
        }
        default:
            out += boost::json::serialize(value);
    }
}

}  // namespace

std::string string_member(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string())
                                                  : std::string();
}

std::string json_excerpt(const boost::json::value& value, std::size_t max_chars) {
    std::string text;
    write_readable(value, text);
    return utf8_truncate(text, max_chars);
}

std::string utf8_truncate(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) {
        return std::string(text);
    }
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) {
        --cut;
    }
    return std::string(text.substr(0, cut)) + "…";
}

std::size_t utf8_length(std::string_view text) {
    std::size_t count = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) {
            ++count;
        }
    }
    return count;
}

void normalize_integral_numbers(boost::json::value& value) {
    if (auto* number = value.if_double()) {
        // 2^63 is exactly representable; anything at or beyond it does not fit an int64.
        constexpr double kLimit = 9223372036854775808.0;
        if (std::isfinite(*number) && std::trunc(*number) == *number && *number < kLimit &&
            *number >= -kLimit) {
            value = static_cast<std::int64_t>(*number);
        }
    } else if (auto* array = value.if_array()) {
        for (auto& item : *array) {
            normalize_integral_numbers(item);
        }
    } else if (auto* object = value.if_object()) {
        for (auto& entry : *object) {
            normalize_integral_numbers(entry.value());
        }
    }
}

}  // namespace cmcp

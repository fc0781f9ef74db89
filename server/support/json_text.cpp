#include "support/json_text.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>

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
    return parser.release();
}

std::string json_excerpt(const boost::json::value& value, std::size_t max_chars) {
    std::string text = boost::json::serialize(value);
    if (text.size() > max_chars) {
        // Cut on a UTF-8 character boundary so the excerpt stays valid text.
        std::size_t cut = max_chars;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) {
            --cut;
        }
        text.resize(cut);
        text += "…";
    }
    return text;
}

}  // namespace cmcp

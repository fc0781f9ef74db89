#include "support/text.hpp"

#include <algorithm>
#include <cctype>

namespace cmcp {

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find_first_of(",\n", start), text.size());
        const auto item = trim(text.substr(start, end - start));
        if (!item.empty()) {
            items.emplace_back(item);
        }
        start = end + 1;
    }
    return items;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::optional<bool> parse_switch(std::string_view text) {
    const auto lower = ascii_lower(trim(text));
    if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") {
        return true;
    }
    if (lower == "0" || lower == "false" || lower == "no" || lower == "off") {
        return false;
    }
    return std::nullopt;
}

namespace {

// Bytes in the valid UTF-8 character at the start of `text` (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when it does not start with one.
std::size_t utf8_sequence_length(std::string_view text) {
    const auto lead = static_cast<unsigned char>(text[0]);
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        low = lead == 0xE0 ? 0xA0 : 0x80;
        high = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        low = lead == 0xF0 ? 0x90 : 0x80;
        high = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (text.size() < length) {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        const auto next = static_cast<unsigned char>(text[i]);
        if (next < (i == 1 ? low : 0x80) || next > (i == 1 ? high : 0xBF)) {
            return 0;
        }
    }
    return length;
}

}  // namespace

std::string concat(std::initializer_list<std::string_view> pieces) {
    std::size_t size = 0;
    for (const auto piece : pieces) {
        size += piece.size();
    }
    std::string out;
    out.reserve(size);
    for (const auto piece : pieces) {
        out.append(piece);
    }
    return out;
}

int hex_digit_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
    std::size_t end = std::min(text.size(), max_bytes);
    while (end > 0 && end < text.size() &&
           (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
        --end;  // do not split a UTF-8 character
    }
    return text.substr(0, end);
}

std::string printable(std::string_view text, std::size_t max_bytes) {
    std::string out;
    const auto kept = utf8_prefix(text, max_bytes);
    const auto end = kept.size();
    for (std::size_t i = 0; i < kept.size();) {
        const auto byte = static_cast<unsigned char>(kept[i]);
        if (byte >= 0x80) {
            // Header values may carry any byte; one that starts no valid UTF-8 character would
            // make a JSON body that echoes it unparseable.
            const auto length = utf8_sequence_length(kept.substr(i));
            out.append(length == 0 ? std::string_view("?") : kept.substr(i, length));
            i += length == 0 ? 1 : length;
            continue;
        }
        out.push_back(byte < 0x20 || byte == 0x7F ? '?' : kept[i]);
        ++i;
    }
    if (end < text.size()) {
        out += "…";
    }
    return out;
}

}  // namespace cmcp

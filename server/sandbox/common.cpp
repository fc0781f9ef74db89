#include "sandbox/common.hpp"

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>

#include "support/text.hpp"

namespace cmcp::sandbox {

namespace json = boost::json;

Reply json_reply(int status, const json::value& value) {
    return Reply{status, json::serialize(value), "application/json"};
}

Reply no_content() {
    return Reply{204, "", ""};
}

void reject(Reply reply) {
    throw Rejection(std::move(reply));
}

std::optional<std::string> Call::query(std::string_view key) const {
    for (const auto& [name, value] : request.query) {
        if (name == key) {
            return value;
        }
    }
    return std::nullopt;
}

std::vector<std::string> Call::query_all(std::string_view key) const {
    std::vector<std::string> values;
    for (const auto& [name, value] : request.query) {
        if (name == key) {
            values.push_back(value);
        }
    }
    return values;
}

bool matches(const std::vector<std::string>& segments,
             std::initializer_list<std::string_view> pattern) {
    if (segments.size() != pattern.size()) {
        return false;
    }
    auto segment = segments.begin();
    for (const std::string_view part : pattern) {
        if (part == "*" ? segment->empty() : *segment != part) {
            return false;
        }
        ++segment;
    }
    return true;
}

namespace {


std::optional<int> read_digits(std::string_view text, std::size_t pos, std::size_t width) {
    if (pos + width > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return std::nullopt;
        }
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            const int high = hex_digit_value(text[i + 1]);
            const int low = hex_digit_value(text[i + 2]);
            if (high >= 0 && low >= 0) {
                out.push_back(static_cast<char>(high * 16 + low));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
    return out;
}

std::string format_time(TimePoint time, int fraction_digits) {
    using namespace std::chrono;
    const auto micros = time_point_cast<microseconds>(time);
    const auto day = floor<days>(micros);
    const year_month_day date{day};
    const hh_mm_ss clock{micros - day};
    std::array<char, 64> buffer{};
    int length = std::snprintf(
        buffer.data(), buffer.size(), "%04d-%02u-%02uT%02d:%02d:%02d",
        static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
        static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
        static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()));
    std::string out(buffer.data(), static_cast<std::size_t>(length));
    if (fraction_digits > 0) {
        length = std::snprintf(buffer.data(), buffer.size(), ".%06lld",
                               static_cast<long long>(clock.subseconds().count()));
        out.append(buffer.data(), static_cast<std::size_t>(1 + std::min(fraction_digits, 6)));
    }
    out.push_back('Z');
    return out;
}

std::optional<TimePoint> parse_time(std::string_view text) {
    using namespace std::chrono;
    const auto year = read_digits(text, 0, 4);
    const auto month = read_digits(text, 5, 2);
    const auto day = read_digits(text, 8, 2);
    const auto hour = read_digits(text, 11, 2);
    const auto minute = read_digits(text, 14, 2);
    const auto second = read_digits(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' ||
        text[7] != '-' || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
        text[13] != ':' || text[16] != ':' || *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    const year_month_day date{std::chrono::year{*year},
                              std::chrono::month{static_cast<unsigned>(*month)},
                              std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    microseconds fraction{0};
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        long long scale = 100000;
        const std::size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            fraction += microseconds{(text[pos] - '0') * scale};
            scale /= 10;
            ++pos;
        }
        if (pos == start) {
            return std::nullopt;
        }
    }
    minutes offset{0};
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const auto offset_hours = read_digits(text, pos + 1, 2);
        const auto offset_minutes = read_digits(text, pos + 4, 2);
        if (!offset_hours || !offset_minutes || text[pos + 3] != ':') {
            return std::nullopt;
        }
        offset = hours{*offset_hours} + minutes{*offset_minutes};
        if (text[pos] == '-') {
            offset = -offset;
        }
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) {
        return std::nullopt;
    }
    const auto local = sys_days{date} + hours{*hour} + minutes{*minute} + seconds{*second};
    return time_point_cast<Clock::duration>(local - offset + fraction);
}

bool is_uuid(std::string_view text) {
    if (text.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash_position ? text[i] != '-' : hex_digit_value(text[i]) < 0) {
            return false;
        }
    }
    return true;
}

IdSource::IdSource() : engine_(std::random_device{}()) {}

std::string IdSource::random_string(std::string_view alphabet, std::size_t length) {
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::string out;
    out.reserve(length);
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < length; ++i) {
        out.push_back(alphabet[pick(engine_)]);
    }
    return out;
}

std::string IdSource::uuid() {
    std::string out = random_string("0123456789abcdef", 32);
    // Callers validate ids as UUIDs, so generated ones carry the v4 version and variant bits.
    out[12] = '4';
    out[16] = "89ab"[static_cast<std::size_t>(hex_digit_value(out[16])) % 4];
    for (const std::size_t dash : {8U, 13U, 18U, 23U}) {
        out.insert(dash, 1, '-');
    }
    return out;
}

std::string IdSource::planetscale_id() {
    return random_string("abcdefghijklmnopqrstuvwxyz0123456789", 12);
}

std::optional<json::object> parse_object_body(std::string_view body) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return json::object{};
    }
    boost::system::error_code error;
    json::value value = json::parse(body, error);
    if (error || !value.is_object()) {
        return std::nullopt;
    }
    return std::move(value.as_object());
}

const json::value* FieldReader::lookup(std::string_view key) const {
    const json::value* value = object_.if_contains(key);
    return value == nullptr || value->is_null() ? nullptr : value;
}

void FieldReader::mark(std::string_view key) {
    if (mistyped_.empty()) {
        mistyped_ = std::string(key);
    }
}

bool FieldReader::has(std::string_view key) const {
    return lookup(key) != nullptr;
}

std::optional<std::string> FieldReader::string(std::string_view key) {
    const json::value* value = lookup(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        mark(key);
        return std::nullopt;
    }
    return std::string(value->get_string());
}

std::optional<bool> FieldReader::boolean(std::string_view key) {
    const json::value* value = lookup(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_bool()) {
        mark(key);
        return std::nullopt;
    }
    return value->get_bool();
}

std::optional<std::int64_t> FieldReader::integer(std::string_view key) {
    const json::value* value = lookup(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_int64()) {
        return value->get_int64();
    }
    mark(key);
    return std::nullopt;
}

std::optional<std::vector<std::string>> FieldReader::strings(std::string_view key) {
    const json::value* value = lookup(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_array()) {
        mark(key);
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const json::value& item : value->get_array()) {
        if (!item.is_string()) {
            mark(key);
            return std::nullopt;
        }
        out.emplace_back(item.get_string());
    }
    return out;
}

const json::object* FieldReader::object(std::string_view key) {
    const json::value* value = lookup(key);
    if (value == nullptr) {
        return nullptr;
    }
    if (!value->is_object()) {
        mark(key);
        return nullptr;
    }
    return &value->get_object();
}

json::value optional_string(const std::optional<std::string>& value) {
    return value ? json::value(*value) : json::value(nullptr);
}

json::value optional_time(const std::optional<TimePoint>& value, int fraction_digits) {
    return value ? json::value(format_time(*value, fraction_digits)) : json::value(nullptr);
}

json::array string_array(const std::vector<std::string>& values) {
    json::array out;
    for (const auto& value : values) {
        out.emplace_back(value);
    }
    return out;
}

}  // namespace cmcp::sandbox

#include "upstream/http_date.hpp"

#include <array>
#include <cstdint>

namespace cmcp::upstream {

namespace {

using std::chrono::system_clock;

// Reads exactly `count` digits at `at`, advancing it.
std::optional<int> digits(std::string_view text, std::size_t& at, std::size_t count) {
    if (at + count > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[at + i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    at += count;
    return value;
}

bool literal(std::string_view text, std::size_t& at, std::string_view expected) {
    if (at > text.size() || text.substr(at, expected.size()) != expected) {
        return false;
    }
    at += expected.size();
    return true;
}

std::optional<system_clock::time_point> make_time(int year, int month, int day, int hour,
                                                  int minute, int second) {
    const std::chrono::year_month_day date{std::chrono::year{year},
                                           std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    // Leap seconds (60) are allowed by both formats; treat them as the next second.
    if (!date.ok() || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    return system_clock::time_point{std::chrono::sys_days{date}} + std::chrono::hours{hour} +
           std::chrono::minutes{minute} + std::chrono::seconds{second};
}

}  // namespace

std::optional<system_clock::time_point> parse_rfc3339(std::string_view text) {
    std::size_t at = 0;
    const auto year = digits(text, at, 4);
    if (!year || !literal(text, at, "-")) {
        return std::nullopt;
    }
    const auto month = digits(text, at, 2);
    if (!month || !literal(text, at, "-")) {
        return std::nullopt;
    }
    const auto day = digits(text, at, 2);
    if (!day || at >= text.size() || (text[at] != 'T' && text[at] != 't' && text[at] != ' ')) {
        return std::nullopt;
    }
    ++at;
    const auto hour = digits(text, at, 2);
    if (!hour || !literal(text, at, ":")) {
        return std::nullopt;
    }
    const auto minute = digits(text, at, 2);
    if (!minute || !literal(text, at, ":")) {
        return std::nullopt;
    }
    const auto second = digits(text, at, 2);
    if (!second) {
        return std::nullopt;
    }
    auto time = make_time(*year, *month, *day, *hour, *minute, *second);
    if (!time) {
        return std::nullopt;
    }
    if (at < text.size() && text[at] == '.') {
        ++at;
        std::int64_t nanos = 0;
        std::size_t count = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (count < 9) {
                nanos = nanos * 10 + (text[at] - '0');
            }
            ++count;
            ++at;
        }
        if (count == 0) {
            return std::nullopt;
        }
        for (; count < 9; ++count) {
            nanos *= 10;
        }
        *time +=
            std::chrono::duration_cast<system_clock::duration>(std::chrono::nanoseconds{nanos});
    }
    if (at < text.size() && (text[at] == 'Z' || text[at] == 'z') && at + 1 == text.size()) {
        return time;
    }
    if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
        const bool east = text[at] == '+';
        ++at;
        const auto offset_hours = digits(text, at, 2);
        if (!offset_hours || !literal(text, at, ":")) {
            return std::nullopt;
        }
        const auto offset_minutes = digits(text, at, 2);
        if (!offset_minutes || at != text.size() || *offset_hours > 23 || *offset_minutes > 59) {
            return std::nullopt;
        }
        const auto offset =
            std::chrono::hours{*offset_hours} + std::chrono::minutes{*offset_minutes};
        return east ? *time - offset : *time + offset;
    }
    return std::nullopt;
}

std::optional<system_clock::time_point> parse_http_date(std::string_view text) {
    static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                              "Fri", "Sat", "Sun"};
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    bool known_day = false;
    for (const auto name : kDays) {
        known_day = known_day || text.substr(0, 3) == name;
    }
    std::size_t at = 3;
    if (!known_day || !literal(text, at, ", ")) {
        return std::nullopt;
    }
    const auto day = digits(text, at, 2);
    if (!day || !literal(text, at, " ")) {
        return std::nullopt;
    }
    int month = 0;
    for (std::size_t i = 0; i < kMonths.size() && at <= text.size(); ++i) {
        if (text.substr(at, 3) == kMonths[i]) {
            month = static_cast<int>(i) + 1;
        }
    }
    at += 3;
    if (month == 0 || !literal(text, at, " ")) {
        return std::nullopt;
    }
    const auto year = digits(text, at, 4);
    if (!year || !literal(text, at, " ")) {
        return std::nullopt;
    }
    const auto hour = digits(text, at, 2);
    if (!hour || !literal(text, at, ":")) {
        return std::nullopt;
    }
    const auto minute = digits(text, at, 2);
    if (!minute || !literal(text, at, ":")) {
        return std::nullopt;
    }
    const auto second = digits(text, at, 2);
    if (!second || !literal(text, at, " GMT") || at != text.size()) {
        return std::nullopt;
    }
    return make_time(*year, month, *day, *hour, *minute, *second);
}

}  // namespace cmcp::upstream

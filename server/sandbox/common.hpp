#pragma once

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sandbox/sandbox.hpp"

namespace cmcp::sandbox {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// Keeps the surfaces free of httplib; the server turns this into the HTTP response.
struct Reply {
    int status = 200;
    std::string body;  // empty for 204
    std::string content_type = "application/json";
};

Reply json_reply(int status, const boost::json::value& value);
Reply no_content();

// Surfaces throw this from any depth so validation reads top to bottom; the server catches it.
class Rejection : public std::exception {
  public:
    explicit Rejection(Reply reply) : reply_(std::move(reply)) {}
    const char* what() const noexcept override { return "request rejected"; }
    const Reply& reply() const { return reply_; }

  private:
    Reply reply_;
};

[[noreturn]] void reject(Reply reply);

// Authentication is settled before a surface sees a call; surfaces only apply API rules.
struct Call {
    const RecordedRequest& request;
    std::vector<std::string> segments;  // percent-decoded path segments after the surface prefix

    const std::string& method() const { return request.method; }
    // The first value of a query key; repeated scalar keys are unusual and the first wins.
    std::optional<std::string> query(std::string_view key) const;
    std::vector<std::string> query_all(std::string_view key) const;
};

// Matches segments against a pattern where "*" is any single non-empty segment.
bool matches(const std::vector<std::string>& segments,
             std::initializer_list<std::string_view> pattern);

std::string percent_decode(std::string_view text, bool plus_is_space);

// RFC 3339 in UTC; Scaleway shows microseconds, PlanetScale milliseconds.
std::string format_time(TimePoint time, int fraction_digits);
std::optional<TimePoint> parse_time(std::string_view text);

bool is_uuid(std::string_view text);

// Thread-safe source of ids and secret values; one per sandbox, so nothing global is mutated.
class IdSource {
  public:
    IdSource();
    std::string uuid();
    std::string planetscale_id();  // 12 lowercase alphanumerics, like txhc257pxjuc
    std::string random_string(std::string_view alphabet, std::size_t length);

  private:
    std::mutex mutex_;
    std::mt19937_64 engine_;
};

// Parses a body that must be a JSON object. An empty body counts as {}, as grpc-gateway (Scaleway)
// and Rails (PlanetScale) both treat it. nullopt when the text is not a JSON object.
std::optional<boost::json::object> parse_object_body(std::string_view body);

// Typed reads where null and absent both mean "not set". The first value of the wrong type is
// remembered, so a handler can check once after reading everything.
class FieldReader {
  public:
    explicit FieldReader(const boost::json::object& object) : object_(object) {}
    std::optional<std::string> string(std::string_view key);
    std::optional<bool> boolean(std::string_view key);
    std::optional<std::int64_t> integer(std::string_view key);
    std::optional<std::vector<std::string>> strings(std::string_view key);
    const boost::json::object* object(std::string_view key);
    bool has(std::string_view key) const;
    const std::string& mistyped() const { return mistyped_; }

  private:
    const boost::json::value* lookup(std::string_view key) const;
    void mark(std::string_view key);

    const boost::json::object& object_;
    std::string mistyped_;
};

boost::json::value optional_string(const std::optional<std::string>& value);
boost::json::value optional_time(const std::optional<TimePoint>& value, int fraction_digits);
boost::json::array string_array(const std::vector<std::string>& values);

// The slice of `items` on a 1-based page; empty past the end.
template <class T>
std::vector<T> page_of(const std::vector<T>& items, std::size_t page, std::size_t size) {
    if (size == 0 || page == 0 || page - 1 > items.size() / size) {
        return {};
    }
    const std::size_t first = (page - 1) * size;
    if (first >= items.size()) {
        return {};
    }
    const std::size_t last = std::min(items.size(), first + size);
    return std::vector<T>(items.begin() + static_cast<std::ptrdiff_t>(first),
                          items.begin() + static_cast<std::ptrdiff_t>(last));
}

}  // namespace cmcp::sandbox

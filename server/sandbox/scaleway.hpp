#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/common.hpp"

// Error bodies and request checks shared by the three Scaleway surfaces. Error bodies follow the
// SDKs' parsers: {message, type, <fields of that type>}.
namespace cmcp::sandbox::scw {

// Every object timestamp is shown with microseconds, like the API's own examples.
inline constexpr int kTimeDigits = 6;

// The organization that owns the sandbox's API key; every secret and every quota belongs to it.
inline constexpr std::string_view kOrganizationId = "357727ea-8973-48a7-a0b1-96e719de04c8";

struct ArgumentProblem {
    std::string argument_name;
    std::string reason;  // required | format | constraint | unknown
    std::string help_message;
};

Reply invalid_arguments(std::initializer_list<ArgumentProblem> problems);
Reply invalid_argument(std::string_view argument, std::string_view reason, std::string_view help);
Reply denied_authentication(std::string_view reason);
Reply not_found(std::string_view resource, std::string_view resource_id);
Reply already_exists(std::string_view resource, std::string_view resource_id,
                     std::string_view help);
Reply precondition_failed(std::string_view message, std::string_view help);
// Quotas are the organization's; the detail names kOrganizationId as their scope.
Reply quotas_exceeded(std::string_view resource, std::size_t quota, std::size_t current);
Reply unknown_route(std::string_view method, std::string_view path);

// The checks below reject the call with the matching error instead of returning.
void require_region(const std::string& region);
void require_uuid(std::string_view argument, std::string_view value);
boost::json::object require_body(const Call& call);
void require_types(const FieldReader& fields);

struct Paging {
    std::size_t page = 1;
    std::size_t page_size = 20;
};
// page is 1-based; 0 or absent means the default, as protobuf cannot tell them apart.
Paging paging(const Call& call);
std::optional<bool> bool_query(const Call& call, std::string_view key);
// The value of an enum query parameter; absent or empty gives `fallback`.
std::string enum_query(const Call& call, std::string_view key,
                       std::initializer_list<std::string_view> allowed, std::string_view fallback);
std::optional<std::string> uuid_query(const Call& call, std::string_view key);

}  // namespace cmcp::sandbox::scw

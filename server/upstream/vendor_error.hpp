#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "upstream/request.hpp"

namespace cmcp::upstream {

// What a vendor said when it refused a call. Scaleway errors are {message, type, ...};
// PlanetScale errors are {code, message}; either may also be plain text or empty.
struct VendorError {
    std::string code;            // Scaleway `type` or PlanetScale `code`; "" when the body had none
    std::string message;         // the vendor's message, or a description of the status
    boost::json::object fields;  // everything else in the body (details, resource, ...)
    bool json_body = false;
    std::optional<double> reset_seconds;  // Scaleway too_many_requests: when to retry
    std::optional<std::string> reset_at;  // Scaleway too_many_requests: RFC 3339
};

VendorError parse_vendor_error(Provider provider, int status, std::string_view body);

// "Not Found", "Too Many Requests"...; "" for codes without a standard phrase.
std::string_view http_reason(int status);

}  // namespace cmcp::upstream

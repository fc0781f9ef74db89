#pragma once

#include <string_view>

namespace cmcp::transport::http {

// True when an Accept header admits `media_type` (e.g. "text/event-stream"): listed, or covered
// by type/* or */*, with a quality above zero. Case-insensitive; parameters are ignored.
bool accepts(std::string_view accept_header, std::string_view media_type);

// True when a Content-Type is application/json, whatever its parameters (charset=utf-8).
bool is_json_content_type(std::string_view content_type);

}  // namespace cmcp::transport::http

#include "testing/json.hpp"

namespace cmcp::testing {

boost::json::value parse_json(std::string_view text) {
    return boost::json::parse(text);
}

boost::json::object parse_object(std::string_view text) {
    return parse_json(text).as_object();
}

}  // namespace cmcp::testing

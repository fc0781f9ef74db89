#include "testing/json.hpp"

#include <fstream>

namespace cmcp::testing {

boost::json::value parse_json(std::string_view text) {
    return boost::json::parse(text);
}

boost::json::object parse_object(std::string_view text) {
    return parse_json(text).as_object();
}

std::vector<boost::json::object> json_lines(const std::filesystem::path& path) {
    std::ifstream file(path);
    std::vector<boost::json::object> lines;
    std::string line;
    while (std::getline(file, line)) {
        lines.push_back(parse_object(line));
    }
    return lines;
}

}  // namespace cmcp::testing

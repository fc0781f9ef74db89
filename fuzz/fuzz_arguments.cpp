// fuzz_arguments: tools/call argument validation and request building (Catalog::prepare).
// Byte 0 picks the tool (byte % 23, in the served order) and the catalog: bytes 0..114 use a
// catalog without configured defaults, 115..255 one with the sandbox's defaults (region,
// project, organization). The rest is parsed as JSON like the session parses a message (depth
// limit 64); a JSON object becomes the arguments.
//
// Checked: prepare returns (no crash, no hang: run with -timeout); a rejection is a non-empty,
// valid UTF-8 message naming the tool; an accepted call's request has a method, a path made
// only of '/', RFC 3986 unreserved characters and %XX escapes, without empty, "." or ".."
// segments (a path argument can never change the shape of the URL), and a target() that starts
// with that path.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_support.hpp"
#include "support/json_text.hpp"

namespace {

using namespace cmcp;
using namespace cmcp::fuzz;

const catalog::Catalog& plain_catalog() {
    static const catalog::Catalog instance = catalog::Catalog::from_embedded({});
    return instance;
}

const catalog::Catalog& defaults_catalog() {
    static const catalog::Catalog instance =
        catalog::Catalog::from_embedded(sandbox_like_options());
    return instance;
}

bool unreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

bool hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

void check_path(const std::string& path) {
    CMCP_FUZZ_CHECK(!path.empty() && path.front() == '/', path);
    for (std::size_t i = 0; i < path.size(); ++i) {
        const char c = path[i];
        if (c == '%') {
            CMCP_FUZZ_CHECK(i + 2 < path.size() && hex(path[i + 1]) && hex(path[i + 2]), path);
            i += 2;
            continue;
        }
        CMCP_FUZZ_CHECK(c == '/' || unreserved(c), path);
    }
    std::size_t start = 1;
    while (start <= path.size()) {
        const auto end = std::min(path.find('/', start), path.size());
        const std::string_view segment(path.data() + start, end - start);
        CMCP_FUZZ_CHECK(!segment.empty() && segment != "." && segment != "..", path);
        start = end + 1;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const auto& catalog = data[0] < 115 ? plain_catalog() : defaults_catalog();
    const auto tools = catalog.tools();
    CMCP_FUZZ_CHECK(tools.size() == 23, "expected 23 served tools");
    const auto& tool = tools[data[0] % tools.size()];

    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    json::parse_options options;
    options.max_depth = 64;
    std::string problem;
    const auto arguments = parse_json_text(text, problem, options);
    if (!arguments || !arguments->is_object()) {
        return 0;
    }

    auto prepared = catalog.prepare(tool, arguments->get_object());
    if (const auto* rejection = std::get_if<std::string>(&prepared)) {
        CMCP_FUZZ_CHECK(!rejection->empty(), tool.definition.name);
        CMCP_FUZZ_CHECK(valid_utf8(*rejection), *rejection);
        CMCP_FUZZ_CHECK(rejection->find(tool.definition.name) != std::string::npos, *rejection);
        return 0;
    }
    const auto& call = std::get<catalog::PreparedCall>(prepared);
    const auto& request = call.request;
    CMCP_FUZZ_CHECK(request.method == "GET" || request.method == "POST" ||
                        request.method == "PATCH" || request.method == "DELETE" ||
                        request.method == "PUT",
                    request.method);
    check_path(request.path);
    const auto target = request.target();
    CMCP_FUZZ_CHECK(target.starts_with(request.path), target);
    for (const char c : target.substr(request.path.size())) {
        CMCP_FUZZ_CHECK(c == '?' || c == '&' || c == '=' || c == '%' || unreserved(c), target);
    }
    if (request.body) {
        check_strings_utf8(json::value(*request.body));
    }
    check_strings_utf8(json::value(call.arguments));
    return 0;
}

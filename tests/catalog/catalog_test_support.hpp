#pragma once

// Shared data and helpers of the catalog suite: the facts the tool data must match (from
// /work/shared/seeds and /work/shared/reference/upstream-apis.md), one realistic call per tool
// with the exact upstream request it must produce, a mutable copy of the embedded assets for
// negative definition tests, and a deterministic JSON pretty printer.

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.hpp"
#include "catalog/embedded_assets.hpp"
#include "upstream/request.hpp"

namespace cmcp::upstream {
// gtest printers, so a mismatch shows the request instead of bytes.
void PrintTo(const QueryParam& param, std::ostream* out);
void PrintTo(const Request& request, std::ostream* out);
}  // namespace cmcp::upstream

namespace cmcp::catalog::test {

namespace json = boost::json;

// Realistic identifiers.
inline constexpr std::string_view kUserId = "6170692e-7363-616c-6577-61792e636f6d";
inline constexpr std::string_view kFunctionId = "3f2d8c1e-5b7a-4e9d-9c1f-2a6b8d4e7f01";
inline constexpr std::string_view kNamespaceId = "a1b2c3d4-e5f6-4789-8abc-def012345678";
inline constexpr std::string_view kTokenId = "0e4b7c12-8f3a-4d6e-b5c9-1a2f3e4d5c6b";
inline constexpr std::string_view kJti = "5a1e4c2b-9d8f-4e7a-b6c5-3d2e1f0a9b8c";
inline constexpr std::string_view kSecretId = "b2c6f3a0-4d1e-4c8f-9a7b-1e2d3c4b5a69";
inline constexpr std::string_view kProjectId = "7a9e2f4c-1b3d-4e5f-8a6b-9c0d1e2f3a4b";
inline constexpr std::string_view kOrganizationId = "d3b07384-d113-4ec8-a8a2-9f2b1c6e5a70";
inline constexpr std::string_view kKeyId = "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f";
inline constexpr std::string_view kServiceTokenId = "txhc257pxjuc";
inline constexpr std::string_view kOrganization = "acme";

// One tool as the seeds and the upstream reference describe it.
struct ExpectedTool {
    std::string_view name;
    std::string_view toolset;
    std::string_view title;
    bool read_only;
    bool destructive;
    bool idempotent;
    std::string_view method;
    std::string_view path;  // template, relative to the provider's base URL
};

// The 23 tools, grouped by toolset in file order.
const std::vector<ExpectedTool>& expected_tools();
const ExpectedTool& expected_tool(std::string_view name);

// One valid call and the exact upstream request it must produce.
struct RequestCase {
    std::string label;
    std::string tool;
    json::object arguments;
    upstream::Request expected;
};

// At least one case per tool; the first case of each tool is its "canonical" valid call.
const std::vector<RequestCase>& request_cases();
// The canonical valid arguments of a tool.
json::object valid_arguments(std::string_view tool);

upstream::Request make_request(upstream::Provider provider, std::string method, std::string path,
                               std::vector<upstream::QueryParam> query,
                               std::optional<json::object> body, bool idempotent, std::string tool);

// The served tool, or a fatal test failure.
const Tool& tool_named(const Catalog& catalog, std::string_view name);

// A private copy of the embedded assets that a test may break.
class AssetSet {
  public:
    static AssetSet embedded();

    void put(std::string path, std::string content);
    void remove(const std::string& path);
    bool contains(const std::string& path) const { return files_.contains(path); }
    // Parses the file, lets `change` edit it, writes it back (compact).
    void edit(const std::string& path, const std::function<void(json::value&)>& change);
    // Views into this set; valid until the set changes.
    std::vector<EmbeddedAsset> view() const;

  private:
    std::map<std::string, std::string> files_;
};

// Loads the definitions from `assets`; returns the DefinitionError message, or "" (and a test
// failure) when they loaded.
std::string definition_error(const AssetSet& assets);

// 2-space indented JSON; object keys in their stored order; ends without a newline.
std::string pretty_json(const json::value& value);

// Whether an object anywhere in the tree has `key`, e.g. "$ref" left after inlining.
bool contains_key_anywhere(const json::value& value, std::string_view key);

}  // namespace cmcp::catalog::test

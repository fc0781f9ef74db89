#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "catalog/definition_loader.hpp"

namespace cmcp::transport::rest {

// Every REST resource is the upstream path of a tool under this prefix.
inline constexpr std::string_view kPrefix = "/v1";
inline constexpr std::string_view kDocumentPath = "/v1/openapi.json";
inline constexpr std::string_view kProblemType = "application/problem+json";

// A tool's REST resource: "/v1" + its upstream path, or the upstream path alone when it
// already starts with "/v1/" (PlanetScale's), so the version is never doubled.
std::string resource_path(std::string_view path_template);

// A request path that names a tool's resource with the tool's method.
struct Matched {
    const catalog::ToolDefinition* tool = nullptr;
    std::map<std::string, std::string> path_values;  // percent-decoded
};
struct NoResource {};
struct WrongMethod {
    std::string allow;  // the methods the resource has, for the Allow header
};
using Match = std::variant<Matched, NoResource, WrongMethod>;

// An answer in REST terms: a status, a JSON body (or none) and its media type.
struct Answer {
    unsigned status = 200;
    std::string body;
    std::string content_type;
};

// The REST face's routing, from tool definitions alone: method + "/v1" + the upstream path
// template of each tool. Knows every defined tool, served or not, so that a tool this server
// does not offer (--read-only, tool selection) is told apart (403) from a path that is no
// resource at all (404). Immutable, so thread-safe.
class RestApi {
  public:
    explicit RestApi(std::shared_ptr<const catalog::Definitions> definitions);

    Match match(std::string_view method, std::string_view path) const;

    // A tool's arguments from a request: path values, the query (typed after the input schema:
    // integers, numbers, booleans, arrays from repeated keys) and a JSON object body. A
    // message for a 400 when they cannot be read.
    std::variant<boost::json::object, std::string> arguments(const Matched& matched,
                                                             std::string_view query,
                                                             std::string_view body) const;

  private:
    struct Route {
        const catalog::ToolDefinition* tool;
        std::vector<std::string> segments;  // "{name}" for a placeholder
        int literals = 0;
    };

    std::shared_ptr<const catalog::Definitions> definitions_;
    std::vector<Route> routes_;
};

// An RFC 9457 problem: {type, title, status, detail, instance} plus `extra` members.
Answer problem(unsigned status, std::string_view kind, std::string_view title,
               std::string_view detail, std::string_view instance, boost::json::object extra = {});

// The REST answer for the JSON-RPC reply to the tools/call a REST request became: the
// vendor's JSON with the vendor's status (204 stays 204) on success, a problem otherwise
// carrying the same text the MCP error result gives.
Answer answer_of(const boost::json::value& reply, std::string_view tool, std::string_view instance);

}  // namespace cmcp::transport::rest

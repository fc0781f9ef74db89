#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "upstream/request.hpp"

namespace cmcp::catalog {

class CompiledSchema;

enum class ArgumentLocation { path, query, body };

struct Argument {
    std::string name;
    ArgumentLocation location = ArgumentLocation::query;
    std::optional<std::string> default_from;  // configuration key, e.g. "scaleway.region"
    bool send_default = false;
    std::optional<boost::json::value> schema_default;  // the inputSchema property's default
};

struct Annotations {
    bool read_only = false;
    bool destructive = true;
    bool idempotent = false;
    bool open_world = true;
};

// How a list tool pages, so results can say whether more pages exist and can be cut to size.
// Names are keys of the upstream response (items, total, next_page) and argument names
// (page, page_size / per_page).
struct Pagination {
    std::string items;                     // the array of results, e.g. "secrets" or "data"
    std::optional<std::string> total;      // total count across pages, e.g. "total_count"
    std::optional<std::string> next_page;  // next page number or null, e.g. "next_page"
    std::string page_argument;             // e.g. "page"
    std::string page_size_argument;        // e.g. "page_size" or "per_page"
};

// One tool as read from tools/*.json, with its schemas resolved ($refs inlined).
struct ToolDefinition {
    std::string name;
    std::string title;
    std::string description;
    std::string toolset;
    std::string source_file;  // for error messages
    upstream::Provider provider = upstream::Provider::scaleway;
    Annotations annotations;
    std::string method;
    std::string path_template;
    std::vector<Argument> arguments;
    boost::json::object input_schema;
    std::optional<boost::json::object> output_schema;
    // Compiled by the loader, which must compile them to check them anyway; compiling is most
    // of start-up, so the catalog reuses these instead of compiling again (null: it compiles).
    std::shared_ptr<const CompiledSchema> compiled_input_schema;
    std::shared_ptr<const CompiledSchema> compiled_output_schema;
    std::vector<std::vector<std::string>> exactly_one_of;
    std::optional<boost::json::object> empty_response;
    std::optional<Pagination> pagination;

    const Argument* find_argument(std::string_view argument_name) const;
};

}  // namespace cmcp::catalog

#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <vector>

namespace cmcp::catalog {

// One failed constraint, located by JSON Pointer into the checked document.
struct SchemaViolation {
    std::string pointer;  // "" for the document itself, else "/a/0/b"
    std::string message;
};

// A compiled JSON Schema (draft-07 semantics, which agree with 2020-12 on the keywords the
// project uses). Immutable and safe to share between threads.
class CompiledSchema {
  public:
    // Throws std::runtime_error with the parser's message when the schema is not usable.
    explicit CompiledSchema(const boost::json::value& schema);
    ~CompiledSchema();
    CompiledSchema(const CompiledSchema&) = delete;
    CompiledSchema& operator=(const CompiledSchema&) = delete;

    std::vector<SchemaViolation> check(const boost::json::value& document) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// valijson reports a path as {"<root>", "[tools]", "[2]"}; this turns it into "/tools/2".
std::string context_to_pointer(const std::vector<std::string>& context);

}  // namespace cmcp::catalog

#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "catalog/catalog.hpp"

namespace cmcp::transport::rest {

struct DocumentOptions {
    std::string server_url;    // "http://127.0.0.1:8080"
    std::string version;       // the server's version
    bool bearer = false;       // requests need Authorization: Bearer
    std::string oauth_issuer;  // with --oauth-issuer: tokens come from there
};

// The OpenAPI 3.1 document of the REST face for the tools this server serves: one operation per
// tool (operationId = tool name), parameters and request bodies from the input schema, 2xx
// responses from the output schema, errors as RFC 9457 problems.
boost::json::object openapi_document(const catalog::Catalog& catalog,
                                     const DocumentOptions& options);

}  // namespace cmcp::transport::rest

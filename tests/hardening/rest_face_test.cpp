// Issue 19: the REST face, against the real binary. For every tool, a REST call sends exactly
// the upstream request the MCP tool sends for the same arguments; refusals are RFC 9457
// problems with the statuses REST clients expect.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <thread>

#include "catalog/definition_loader.hpp"
#include "hardening_support.hpp"
#include "transport/rest/rest_api.hpp"

namespace cmcp::hardening {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// The REST face's port, from the server's log.
int rest_port(ServerProcess& server) {
    const std::string marker = "REST listening on http://127.0.0.1:";
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto text = server.log();
        if (const auto at = text.find(marker); at != std::string::npos) {
            return std::atoi(text.c_str() + at + marker.size());
        }
        std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "no REST listener in:\n" << server.log();
    return 0;
}

const catalog::Definitions& definitions() {
    static const auto loaded = catalog::load_definitions(catalog::embedded_assets());
    return loaded;
}

const catalog::ToolDefinition& definition(std::string_view name) {
    for (const auto& tool : definitions().tools) {
        if (tool.name == name) {
            return tool;
        }
    }
    throw std::runtime_error("no tool " + std::string(name));
}

std::string text_of(const json::value& value) {
    if (value.is_string()) {
        return std::string(value.get_string());
    }
    return json::serialize(value);
}

struct RestRequest {
    std::string method;
    std::string target;
    std::string body;  // empty: none
};

// The REST form of a tool call: path arguments in the path, query arguments in the query
// (arrays as repeated keys), body arguments in a JSON body. Percent-encoded as a client would.
RestRequest rest_form(const catalog::ToolDefinition& tool, const json::object& arguments) {
    RestRequest request{tool.method, transport::rest::resource_path(tool.path_template), ""};
    std::string query;
    json::object body;
    const auto encode = [](const std::string& text) {
        return boost::urls::encode(text, boost::urls::unreserved_chars);
    };
    for (const auto& argument : tool.arguments) {
        const auto* value = arguments.if_contains(argument.name);
        if (value == nullptr) {
            continue;
        }
        switch (argument.location) {
            case catalog::ArgumentLocation::path: {
                const auto placeholder = "{" + argument.name + "}";
                request.target.replace(request.target.find(placeholder), placeholder.size(),
                                       encode(text_of(*value)));
                break;
            }
            case catalog::ArgumentLocation::query:
                if (value->is_array()) {
                    for (const auto& item : value->get_array()) {
                        query += (query.empty() ? "" : "&") + argument.name + "=" +
                                 encode(text_of(item));
                    }
                } else {
                    query +=
                        (query.empty() ? "" : "&") + argument.name + "=" + encode(text_of(*value));
                }
                break;
            case catalog::ArgumentLocation::body:
                body[argument.name] = *value;
                break;
        }
    }
    if (!query.empty()) {
        request.target += "?" + query;
    }
    if (!body.empty()) {
        request.body = json::serialize(body);
    }
    return request;
}

httplib::Result send(httplib::Client& client, const RestRequest& request,
                     const httplib::Headers& headers = {}) {
    if (request.method == "GET") {
        return client.Get(request.target, headers);
    }
    if (request.method == "DELETE") {
        return client.Delete(request.target, headers, request.body, "application/json");
    }
    if (request.method == "PATCH") {
        return client.Patch(request.target, headers, request.body, "application/json");
    }
    return client.Post(request.target, headers, request.body, "application/json");
}

struct Fixture {
    Fixture(std::vector<std::string> args = {}, std::vector<std::string> extra_env = {})
        : canaries(make_canaries()), upstream(make_sandbox(canaries, true)) {
        auto environment = upstream_env(canaries, upstream->base_url(), upstream->demo());
        environment.insert(environment.end(), extra_env.begin(), extra_env.end());
        args.insert(args.begin(), {"--rest-listen", "127.0.0.1:0"});
        server = std::make_unique<ServerProcess>(args, environment);
        rest = std::make_unique<httplib::Client>("127.0.0.1", rest_port(*server));
        rest->set_read_timeout(30, 0);
    }
    Canaries canaries;
    std::unique_ptr<sandbox::Sandbox> upstream;
    std::unique_ptr<ServerProcess> server;
    std::unique_ptr<httplib::Client> rest;
};

std::string fill(std::string text, const std::vector<std::pair<std::string, std::string>>& ids) {
    for (const auto& [key, value] : ids) {
        for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
            text.replace(at, key.size(), value);
        }
    }
    return text;
}

TEST(RestFace, EveryOperationSendsExactlyTheRequestItsToolSends) {
    Fixture fixture;
    const auto& demo = fixture.upstream->demo();
    McpClient mcp(fixture.server->port());
    const auto session = mcp.initialize();
    ASSERT_FALSE(session.empty()) << fixture.server->log();
    const auto jwts = tool_result(
        mcp.call(1, "list-jwts", R"({"audience_id":")" + demo.user_id + "\"}", session));
    ASSERT_TRUE(jwts);
    const std::string jti(jwts->at("structuredContent").at("jwts").at(0).at("jti").as_string());
    // Longest keys first, so that $PSTOKEN is not read as $PS + TOKEN.
    const std::vector<std::pair<std::string, std::string>> ids{
        {"$PROTECTED", demo.protected_secret_id},
        {"$SCHEDULED", demo.scheduled_secret_id},
        {"$NAMESPACE", demo.namespace_id},
        {"$PSTOKEN", demo.service_token_id},
        {"$REGION", demo.region},
        {"$SECRET", demo.secret_id},
        {"$PSORG", demo.planetscale_organization},
        {"$TOKEN", demo.token_id},
        {"$USER", demo.user_id},
        {"$JTI", jti}};
    // Every path argument is given (REST has no optional path segments); the rest as a client
    // might. Destructive calls last: both faces call each tool, the second delete finds
    // nothing, and the request is what is compared.
    const std::vector<std::pair<std::string, std::string>> calls{
        {"list-all-tokens",
         R"({"region":"$REGION","page":1,"page_size":10,"order_by":"created_at_desc"})"},
        {"create-new-revocable-token",
         R"({"region":"$REGION","namespace_id":"$NAMESPACE","description":"ci hook"})"},
        {"get-token", R"({"region":"$REGION","token_id":"$TOKEN"})"},
        {"list-jwts", R"({"audience_id":"$USER","expired":false,"page_size":50})"},
        {"get-jwt", R"({"jti":"$JTI"})"},
        {"list-secrets",
         R"({"region":"$REGION","tags":["env:demo","team:backend"],"order_by":"name_desc"})"},
        {"create-secret",
         R"({"region":"$REGION","name":"ci-secret","tags":["ci"],"type":"key_value"})"},
        {"get-metadata-using-secret-s-id", R"({"region":"$REGION","secret_id":"$SECRET"})"},
        {"update-metadata-secret",
         R"({"region":"$REGION","secret_id":"$SECRET","description":"rotated monthly"})"},
        {"allow-product-use-secret",
         R"({"region":"$REGION","secret_id":"$SECRET","product":"s2s_vpn"})"},
        {"enable-secret-protection", R"({"region":"$REGION","secret_id":"$SECRET"})"},
        {"disable-secret-protection", R"({"region":"$REGION","secret_id":"$PROTECTED"})"},
        {"restore-secret", R"({"region":"$REGION","secret_id":"$SCHEDULED"})"},
        {"restore-version", R"({"region":"$REGION","secret_id":"$SECRET","revision":"1"})"},
        {"list-service-tokens", R"({"organization":"$PSORG","page":1,"per_page":5})"},
        {"create-service-token", R"({"organization":"$PSORG","name":"ci-deployer","ttl":86400})"},
        {"get-service-token", R"({"organization":"$PSORG","id":"$PSTOKEN"})"},
        {"list-service-token-accesses", R"({"organization":"$PSORG","id":"$PSTOKEN"})"},
        {"grant-service-token-access",
         R"({"organization":"$PSORG","id":"$PSTOKEN","access":["read_branch","create_branch"]})"},
        {"delete-jwt", R"({"jti":"$JTI"})"},
        {"delete-token", R"({"region":"$REGION","token_id":"$TOKEN"})"},
        {"delete-secret", R"({"region":"$REGION","secret_id":"$SECRET"})"},
        {"delete-service-token", R"({"organization":"$PSORG","id":"$PSTOKEN"})"}};
    ASSERT_EQ(calls.size(), definitions().tools.size());

    long long id = 10;
    for (const auto& [tool, template_arguments] : calls) {
        SCOPED_TRACE(tool);
        const auto arguments = json::parse(fill(template_arguments, ids)).as_object();
        const auto& tool_definition = definition(tool);
        const auto before = fixture.upstream->requests().size();
        const auto by_mcp = mcp.call(++id, tool, json::serialize(arguments), session);
        const auto mcp_result = tool_result(by_mcp);
        ASSERT_TRUE(mcp_result) << by_mcp.body;
        const auto rest_request = rest_form(tool_definition, arguments);
        const auto by_rest = send(*fixture.rest, rest_request);
        ASSERT_TRUE(by_rest) << rest_request.method << " " << rest_request.target;
        const auto requests = fixture.upstream->requests();
        ASSERT_EQ(requests.size(), before + 2) << rest_request.method << " " << rest_request.target
                                               << " -> " << by_rest->status << " " << by_rest->body;
        const auto& sent_by_mcp = requests[before];
        const auto& sent_by_rest = requests[before + 1];
        EXPECT_EQ(sent_by_rest.method, sent_by_mcp.method);
        EXPECT_EQ(sent_by_rest.path, sent_by_mcp.path);
        EXPECT_EQ(sent_by_rest.raw_query, sent_by_mcp.raw_query);
        EXPECT_EQ(sent_by_rest.body, sent_by_mcp.body);
        EXPECT_EQ(sent_by_rest.header("x-auth-token"), sent_by_mcp.header("x-auth-token"));
        EXPECT_EQ(sent_by_rest.header("authorization"), sent_by_mcp.header("authorization"));
        EXPECT_EQ(sent_by_rest.header("content-type"), sent_by_mcp.header("content-type"));
        if (!is_error_result(*mcp_result) && tool_definition.annotations.read_only) {
            // Reads change nothing, so both faces got the same answer.
            EXPECT_EQ(by_rest->status, 200);
            EXPECT_EQ(json::parse(by_rest->body), mcp_result->at("structuredContent"));
        } else if (!is_error_result(*mcp_result) && by_rest->status == 204) {
            EXPECT_TRUE(by_rest->body.empty());
        }
    }
    ASSERT_EQ(fixture.server->stop(), 0) << fixture.server->log();
}

void expect_problem(const httplib::Result& answer, int status, std::string_view needle) {
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, status) << answer->body;
    EXPECT_EQ(answer->get_header_value("Content-Type"), "application/problem+json");
    const auto problem = json::parse(answer->body).as_object();
    EXPECT_EQ(problem.at("status").as_int64(), status);
    EXPECT_TRUE(problem.at("type").is_string());
    EXPECT_TRUE(problem.at("title").is_string());
    EXPECT_NE(answer->body.find(needle), std::string::npos) << answer->body;
}

TEST(RestFace, RefusalsAreProblemsWithTheirStatus) {
    Fixture fixture({"--max-body-bytes", "4096"});
    const auto& demo = fixture.upstream->demo();
    const std::string secrets = "/v1/secret-manager/v1beta1/regions/" + demo.region + "/secrets";
    const auto before = fixture.upstream->requests().size();

    expect_problem(fixture.rest->Get(secrets + "?page_size=abc"), 400, "page_size");
    expect_problem(fixture.rest->Post(secrets, R"({"name": 5})", "application/json"), 400, "name");
    expect_problem(fixture.rest->Post(secrets, "{not json", "application/json"), 400,
                   "JSON object");
    expect_problem(fixture.rest->Get("/v1/secret-manager/v1beta1/nothing-here"), 404,
                   "openapi.json");
    expect_problem(fixture.rest->Get("/mcp"), 404, "/v1/");
    const auto wrong = fixture.rest->Put(secrets, "{}", "application/json");
    expect_problem(wrong, 405, "GET, POST");
    EXPECT_EQ(wrong->get_header_value("Allow"), "GET, POST");
    expect_problem(fixture.rest->Post(secrets, std::string(64 * 1024, ' '), "application/json"),
                   413, "");
    EXPECT_EQ(fixture.upstream->requests().size(), before) << "a refused call reached the vendor";

    // A vendor refusal keeps its status and says what the vendor said.
    expect_problem(fixture.rest->Get(secrets + "/00000000-0000-4000-8000-000000000000"), 404,
                   "\"upstream_status\":404");

    const auto document = fixture.rest->Get("/v1/openapi.json");
    ASSERT_TRUE(document);
    EXPECT_EQ(document->status, 200);
    const auto parsed = json::parse(document->body).as_object();
    EXPECT_EQ(parsed.at("openapi").as_string(), "3.1.0");
    std::set<std::string> operations;
    for (const auto& [path, item] : parsed.at("paths").as_object()) {
        EXPECT_TRUE(std::string_view(path).starts_with("/v1/"));
        for (const auto& [method, operation] : item.as_object()) {
            operations.emplace(operation.at("operationId").as_string());
        }
    }
    EXPECT_EQ(operations.size(), definitions().tools.size());
    ASSERT_EQ(fixture.server->stop(), 0) << fixture.server->log();
}

TEST(RestFace, ReadOnlyAndAuthenticationRefusalsAreProblemsToo) {
    const std::string token = "rest-face-token-0123456789";
    Fixture fixture({"--read-only"}, {"CREDENTIALS_MCP_AUTH_TOKENS=" + token});
    const auto& demo = fixture.upstream->demo();
    const std::string secrets = "/v1/secret-manager/v1beta1/regions/" + demo.region + "/secrets";

    const auto anonymous = fixture.rest->Get(secrets);
    expect_problem(anonymous, 401, "Bearer");
    EXPECT_NE(anonymous->get_header_value("WWW-Authenticate").find("Bearer"), std::string::npos);
    expect_problem(fixture.rest->Get(secrets, {{"Authorization", "Bearer wrong-token-000"}}), 401,
                   "");

    const httplib::Headers bearer{{"Authorization", "Bearer " + token}};
    const auto read = fixture.rest->Get(secrets, bearer);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->status, 200) << read->body;
    const auto before = fixture.upstream->requests().size();
    expect_problem(fixture.rest->Post(secrets, bearer, R"({"name":"refused"})", "application/json"),
                   403, "create-secret");
    expect_problem(fixture.rest->Delete(secrets + "/" + demo.secret_id, bearer), 403,
                   "delete-secret");
    // A client's own X-MCP-Readonly narrows the same way.
    auto narrowed = bearer;
    narrowed.emplace("X-MCP-Tools", "get-metadata-using-secret-s-id");
    expect_problem(fixture.rest->Get(secrets, narrowed), 403, "list-secrets");
    EXPECT_EQ(fixture.upstream->requests().size(), before);
    // The document needs no token, and names the scheme the server wants.
    const auto document = fixture.rest->Get("/v1/openapi.json");
    ASSERT_TRUE(document);
    EXPECT_EQ(document->status, 200);
    const auto parsed = json::parse(document->body).as_object();
    EXPECT_TRUE(parsed.at("components").at("securitySchemes").as_object().contains("bearer"));
    const auto log = fixture.server->log();
    EXPECT_EQ(log.find(token), std::string::npos);
    ASSERT_EQ(fixture.server->stop(), 0) << log;
}

}  // namespace
}  // namespace cmcp::hardening

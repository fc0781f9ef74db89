// The tool definitions compiled into the binary: that they load, that they say what the seeds
// and the upstream reference say, and that every kind of broken definition stops start-up with a
// message naming the file and the field.

#include "catalog/definition_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>

#include "catalog_test_support.hpp"
#include "testing/json.hpp"

namespace cmcp::catalog::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const Definitions& embedded_definitions() {
    static const Definitions definitions = load_definitions(embedded_assets());
    return definitions;
}

const ToolDefinition& definition(std::string_view name) {
    for (const auto& tool : embedded_definitions().tools) {
        if (tool.name == name) {
            return tool;
        }
    }
    throw std::out_of_range("no definition " + std::string(name));
}

// ---------------------------------------------------------------------------------------------
// The real definitions

TEST(EmbeddedDefinitions, LoadWith23ToolsInFourToolsets) {
    const auto& definitions = embedded_definitions();
    EXPECT_EQ(definitions.tools.size(), 23U);
    std::vector<std::string> toolsets;
    for (const auto& toolset : definitions.toolsets) {
        toolsets.push_back(toolset.name);
    }
    // Files are read sorted by path: planetscale, scaleway-functions, scaleway-iam,
    // scaleway-secret-manager.
    EXPECT_THAT(toolsets, ::testing::ElementsAre("planetscale", "scaleway-functions",
                                                 "scaleway-iam", "scaleway-secrets"));
    for (const auto& toolset : definitions.toolsets) {
        EXPECT_FALSE(toolset.title.empty()) << toolset.name;
        EXPECT_FALSE(toolset.description.empty()) << toolset.name;
        EXPECT_EQ(toolset.provider, toolset.name == "planetscale" ? upstream::Provider::planetscale
                                                                  : upstream::Provider::scaleway)
            << toolset.name;
    }
}

TEST(EmbeddedDefinitions, ToolNamesAreExactlyTheSeeds) {
    std::set<std::string> actual;
    for (const auto& tool : embedded_definitions().tools) {
        EXPECT_TRUE(actual.insert(tool.name).second) << "duplicate " << tool.name;
    }
    std::set<std::string> expected;
    for (const auto& tool : expected_tools()) {
        expected.emplace(tool.name);
    }
    EXPECT_EQ(actual, expected);
}

TEST(EmbeddedDefinitions, ToolsAreInTheirToolsetWithTheRightProvider) {
    for (const auto& expected : expected_tools()) {
        SCOPED_TRACE(std::string(expected.name));
        const auto& tool = definition(expected.name);
        EXPECT_EQ(tool.toolset, expected.toolset);
        EXPECT_EQ(tool.provider, expected.toolset == "planetscale" ? upstream::Provider::planetscale
                                                                   : upstream::Provider::scaleway);
    }
}

TEST(EmbeddedDefinitions, TitlesAndHintsMatchTheSeeds) {
    for (const auto& expected : expected_tools()) {
        SCOPED_TRACE(std::string(expected.name));
        const auto& tool = definition(expected.name);
        EXPECT_EQ(tool.title, expected.title);
        EXPECT_EQ(tool.annotations.read_only, expected.read_only) << "readOnlyHint";
        EXPECT_EQ(tool.annotations.destructive, expected.destructive) << "destructiveHint";
        EXPECT_EQ(tool.annotations.idempotent, expected.idempotent) << "idempotentHint";
        EXPECT_TRUE(tool.annotations.open_world) << "openWorldHint";
    }
}

TEST(EmbeddedDefinitions, MethodsAndPathsMatchTheUpstreamApis) {
    for (const auto& expected : expected_tools()) {
        SCOPED_TRACE(std::string(expected.name));
        const auto& tool = definition(expected.name);
        EXPECT_EQ(tool.method, expected.method);
        EXPECT_EQ(tool.path_template, expected.path);
    }
}

TEST(EmbeddedDefinitions, PlanetScaleAccessEndpointsAreSingularAccess) {
    // The plural /accesses path only exists in an AI-written third-party spec.
    for (const auto* name : {"list-service-token-accesses", "grant-service-token-access"}) {
        const auto& tool = definition(name);
        EXPECT_TRUE(tool.path_template.ends_with("/service-tokens/{id}/access")) << name;
        EXPECT_THAT(tool.path_template, Not(HasSubstr("accesses"))) << name;
    }
}

TEST(EmbeddedDefinitions, EveryToolHasBothSchemasWithRefsInlined) {
    for (const auto& tool : embedded_definitions().tools) {
        SCOPED_TRACE(tool.name);
        EXPECT_FALSE(contains_key_anywhere(json::value(tool.input_schema), "$ref"));
        ASSERT_TRUE(tool.output_schema.has_value()) << "every tool should have an outputSchema";
        EXPECT_FALSE(contains_key_anywhere(json::value(*tool.output_schema), "$ref"));
        EXPECT_EQ(tool.output_schema->at("type"), "object");
        EXPECT_GE(tool.description.size(), 40U);
    }
}

TEST(EmbeddedDefinitions, SiblingKeysOfARefOverrideTheComponent) {
    // get-token.input.json: {"$ref": "../components/uuid.json", "description": "ID of the token…"}
    const auto& token_id = definition("get-token")
                               .input_schema.at("properties")
                               .as_object()
                               .at("token_id")
                               .as_object();
    EXPECT_EQ(token_id.at("format"), "uuid");
    EXPECT_TRUE(token_id.contains("pattern"));
    EXPECT_THAT(std::string(token_id.at("description").as_string()), HasSubstr("ID of the token"));
}

TEST(EmbeddedDefinitions, EveryPathPlaceholderIsARequiredPathArgument) {
    for (const auto& tool : embedded_definitions().tools) {
        SCOPED_TRACE(tool.name);
        const auto& required = tool.input_schema.at("required").as_array();
        for (const auto& placeholder : path_placeholders(tool.path_template)) {
            const auto* argument = tool.find_argument(placeholder);
            ASSERT_NE(argument, nullptr) << placeholder;
            EXPECT_EQ(argument->location, ArgumentLocation::path) << placeholder;
            EXPECT_NE(std::find(required.begin(), required.end(), json::value(placeholder)),
                      required.end())
                << placeholder;
        }
    }
}

TEST(EmbeddedDefinitions, ConfigurationDefaultsAndSentDefaultsAreWhereTheApiNeedsThem) {
    // Every regional Scaleway tool can take its region from the configuration, every PlanetScale
    // tool its organization.
    for (const auto& tool : embedded_definitions().tools) {
        SCOPED_TRACE(tool.name);
        if (const auto* region = tool.find_argument("region")) {
            EXPECT_EQ(region->default_from, std::optional<std::string>("scaleway.region"));
        }
        if (const auto* organization = tool.find_argument("organization")) {
            EXPECT_EQ(organization->default_from,
                      std::optional<std::string>("planetscale.organization"));
        }
    }
    EXPECT_EQ(definition("create-secret").find_argument("project_id")->default_from,
              std::optional<std::string>("scaleway.project_id"));
    EXPECT_EQ(definition("list-secrets").find_argument("organization_id")->default_from,
              std::optional<std::string>("scaleway.organization_id"));

    const auto* scheduled = definition("list-secrets").find_argument("scheduled_for_deletion");
    ASSERT_NE(scheduled, nullptr);
    EXPECT_TRUE(scheduled->send_default);
    EXPECT_EQ(scheduled->schema_default, std::optional<json::value>(false));
    const auto* protect = definition("create-secret").find_argument("protected");
    ASSERT_NE(protect, nullptr);
    EXPECT_TRUE(protect->send_default);
    EXPECT_EQ(protect->schema_default, std::optional<json::value>(false));
    const auto* database = definition("grant-service-token-access").find_argument("database");
    ASSERT_NE(database, nullptr);
    EXPECT_TRUE(database->send_default);
    EXPECT_EQ(database->schema_default, std::optional<json::value>(""));
}

TEST(EmbeddedDefinitions, EmptyResponsesExactlyForTheEndpointsAnswering204) {
    const std::map<std::string, std::string> expected = {
        {"delete-jwt", R"({"deleted":true,"jti":"{jti}"})"},
        {"delete-secret",
         R"({"scheduled_for_deletion":true,"secret_id":"{secret_id}","region":"{region}"})"},
        {"allow-product-use-secret",
         R"({"allowed":true,"secret_id":"{secret_id}","product":"{product}","region":"{region}"})"},
        {"delete-service-token", R"({"deleted":true,"organization":"{organization}","id":"{id}"})"},
    };
    for (const auto& tool : embedded_definitions().tools) {
        SCOPED_TRACE(tool.name);
        const auto found = expected.find(tool.name);
        if (found == expected.end()) {
            // delete-token answers 200 with the Token; the others answer with a body too.
            EXPECT_FALSE(tool.empty_response.has_value());
            continue;
        }
        ASSERT_TRUE(tool.empty_response.has_value());
        EXPECT_EQ(*tool.empty_response, cmcp::testing::parse_object(found->second));
        // README: the output schema requires every key of the emptyResponse.
        const auto& required = tool.output_schema->at("required").as_array();
        for (const auto& [key, _] : *tool.empty_response) {
            EXPECT_NE(std::find(required.begin(), required.end(), json::value(key)), required.end())
                << key;
        }
    }
}

TEST(EmbeddedDefinitions, ExactlyOneOfOnlyForCreateNewRevocableToken) {
    for (const auto& tool : embedded_definitions().tools) {
        SCOPED_TRACE(tool.name);
        if (tool.name == "create-new-revocable-token") {
            ASSERT_EQ(tool.exactly_one_of.size(), 1U);
            EXPECT_THAT(tool.exactly_one_of[0],
                        ::testing::ElementsAre("function_id", "namespace_id"));
        } else {
            EXPECT_TRUE(tool.exactly_one_of.empty());
        }
    }
}

TEST(EmbeddedDefinitions, PaginationOnExactlyTheListToolsThatPage) {
    struct Expected {
        std::string items;
        std::optional<std::string> total;
        std::optional<std::string> next_page;
        std::string page;
        std::string page_size;
    };
    const std::map<std::string, Expected> expected = {
        {"list-all-tokens", {"tokens", "total_count", std::nullopt, "page", "page_size"}},
        {"list-jwts", {"jwts", "total_count", std::nullopt, "page", "page_size"}},
        {"list-secrets", {"secrets", "total_count", std::nullopt, "page", "page_size"}},
        {"list-service-tokens", {"data", "total_count", "next_page", "page", "per_page"}},
    };
    for (const auto& tool : embedded_definitions().tools) {
        SCOPED_TRACE(tool.name);
        const auto found = expected.find(tool.name);
        if (found == expected.end()) {
            // list-service-token-accesses returns one page and takes no paging arguments.
            EXPECT_FALSE(tool.pagination.has_value());
            continue;
        }
        ASSERT_TRUE(tool.pagination.has_value());
        EXPECT_EQ(tool.pagination->items, found->second.items);
        EXPECT_EQ(tool.pagination->total, found->second.total);
        EXPECT_EQ(tool.pagination->next_page, found->second.next_page);
        EXPECT_EQ(tool.pagination->page_argument, found->second.page);
        EXPECT_EQ(tool.pagination->page_size_argument, found->second.page_size);
        // The loader's own checks, restated: integer query arguments, keys of the output.
        for (const auto* name :
             {&tool.pagination->page_argument, &tool.pagination->page_size_argument}) {
            const auto* argument = tool.find_argument(*name);
            ASSERT_NE(argument, nullptr) << *name;
            EXPECT_EQ(argument->location, ArgumentLocation::query) << *name;
            EXPECT_EQ(tool.input_schema.at("properties").at(*name).at("type"), "integer");
        }
        const auto& output = tool.output_schema->at("properties").as_object();
        EXPECT_EQ(output.at(tool.pagination->items).at("type"), "array");
    }
}

TEST(PathPlaceholders, ListsNamesInOrder) {
    EXPECT_THAT(path_placeholders("/a/{x}/b/{y}"), ::testing::ElementsAre("x", "y"));
    EXPECT_THAT(path_placeholders("/iam/v1alpha1/jwts"), ::testing::IsEmpty());
    EXPECT_THAT(
        path_placeholders("/secret-manager/v1beta1/regions/{region}/secrets/{secret_id}/versions/"
                          "{revision}/restore"),
        ::testing::ElementsAre("region", "secret_id", "revision"));
}

// ---------------------------------------------------------------------------------------------
// Broken definitions: a copy of the real assets with one thing broken each.

const std::string kIam = "tools/scaleway-iam.json";
const std::string kFunctions = "tools/scaleway-functions.json";
const std::string kSecrets = "tools/scaleway-secret-manager.json";
const std::string kListJwtsInput = "schemas/scaleway-iam/list-jwts.input.json";
const std::string kGetJwtOutput = "schemas/scaleway-iam/get-jwt.output.json";

// tools/scaleway-iam.json: tools[0] list-jwts, [1] get-jwt, [2] delete-jwt.
json::object& iam_tool(json::value& document, std::size_t index) {
    return document.at("tools").as_array().at(index).as_object();
}

class BrokenDefinitions : public ::testing::Test {
  protected:
    AssetSet assets = AssetSet::embedded();

    // The message, which must hold each of `lines` (file: pointer: problem prefix).
    std::string expect_error(std::initializer_list<std::string> lines) {
        const auto message = definition_error(assets);
        EXPECT_THAT(message, HasSubstr("invalid tool definitions"));
        for (const auto& line : lines) {
            EXPECT_THAT(message, HasSubstr(line));
        }
        return message;
    }
};

TEST_F(BrokenDefinitions, TheUnbrokenCopyLoads) {
    const auto view = assets.view();
    EXPECT_EQ(load_definitions(view).tools.size(), 23U);
}

TEST_F(BrokenDefinitions, InvalidJsonInAToolsFileGivesLineAndColumn) {
    assets.put(kIam, "{\n  \"toolset\": \"scaleway-iam\",\n  \"title\": oops\n}");
    const auto message = expect_error({kIam + ": /: invalid JSON: "});
    EXPECT_THAT(message, HasSubstr("line 3, column"));
}

TEST_F(BrokenDefinitions, InvalidJsonInASchemaFileNamesTheSchemaAndTheTool) {
    assets.put(kListJwtsInput, "{\"type\": \"object\",}");
    const auto message =
        expect_error({kListJwtsInput + ": /: invalid JSON: ",
                      kIam + ": /tools/0/inputSchema: cannot load " + kListJwtsInput});
    EXPECT_THAT(message, HasSubstr("line 1, column"));
}

TEST_F(BrokenDefinitions, TrailingGarbageAfterTheJsonValueIsRefused) {
    assets.put(kIam, "{} {}");
    expect_error({kIam + ": /: invalid JSON: unexpected data after the JSON value at line 1"});
}

TEST_F(BrokenDefinitions, MissingAnnotationsViolatesTheDefinitionSchema) {
    assets.edit(kIam, [](json::value& document) { iam_tool(document, 1).erase("annotations"); });
    const auto message = expect_error({kIam + ": /tools/1"});
    EXPECT_THAT(message, HasSubstr("annotations"));
}

TEST_F(BrokenDefinitions, MissingHintViolatesTheDefinitionSchema) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 2).at("annotations").as_object().erase("destructiveHint");
    });
    const auto message = expect_error({kIam + ": /tools/2/annotations"});
    EXPECT_THAT(message, HasSubstr("destructiveHint"));
}

TEST_F(BrokenDefinitions, BadMethodViolatesTheDefinitionSchema) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 2).at("request").as_object()["method"] = "REMOVE";
    });
    expect_error({kIam + ": /tools/2/request/method"});
}

TEST_F(BrokenDefinitions, BadNamePatternViolatesTheDefinitionSchema) {
    assets.edit(kIam, [](json::value& document) { iam_tool(document, 0)["name"] = "list jwts!"; });
    expect_error({kIam + ": /tools/0/name"});
}

TEST_F(BrokenDefinitions, TooLongNameViolatesTheDefinitionSchema) {
    assets.edit(
        kIam, [](json::value& document) { iam_tool(document, 0)["name"] = std::string(65, 'a'); });
    expect_error({kIam + ": /tools/0/name"});
}

TEST_F(BrokenDefinitions, UnknownToolFieldViolatesTheDefinitionSchema) {
    assets.edit(kIam, [](json::value& document) { iam_tool(document, 0)["hints"] = true; });
    const auto message = expect_error({kIam + ": /tools/0"});
    EXPECT_THAT(message, HasSubstr("hints"));
}

TEST_F(BrokenDefinitions, ArgumentPlacementThatIsNotAnInputProperty) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 0).at("arguments").as_object()["user_id"] = {{"in", "query"}};
    });
    expect_error({kIam + ": /tools/0/arguments/user_id: not a property of " + kListJwtsInput});
}

TEST_F(BrokenDefinitions, InputPropertyWithoutPlacement) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 0).at("arguments").as_object().erase("expired");
    });
    expect_error({kIam + ": /tools/0/arguments: no placement for inputSchema property 'expired'"});
}

TEST_F(BrokenDefinitions, PathPlaceholderWithoutPathArgument) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 1).at("request").as_object()["path"] = "/iam/v1alpha1/jwts/{jti}/{kid}";
    });
    expect_error({kIam + ": /tools/1/request/path: placeholder {kid} has no argument"});
}

TEST_F(BrokenDefinitions, PathPlaceholderWhoseArgumentGoesToTheQuery) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 1).at("arguments").as_object()["jti"] = {{"in", "query"}};
    });
    expect_error({kIam + ": /tools/1/request/path: placeholder {jti} has no argument with \"in\": "
                         "\"path\""});
}

TEST_F(BrokenDefinitions, PathArgumentNotInThePath) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 1).at("request").as_object()["path"] = "/iam/v1alpha1/jwts";
    });
    expect_error({kIam + ": /tools/1/arguments/jti/in: path argument, but the path has no {jti}"});
}

TEST_F(BrokenDefinitions, OptionalPathArgument) {
    assets.edit(kListJwtsInput,
                [](json::value& document) { document.as_object()["required"] = json::array{}; });
    assets.edit(kIam, [](json::value& document) {
        auto& tool = iam_tool(document, 0);
        tool.at("request").as_object()["path"] = "/iam/v1alpha1/users/{audience_id}/jwts";
        tool.at("arguments").as_object()["audience_id"] = {{"in", "path"}};
    });
    expect_error({kIam + ": /tools/0/arguments/audience_id: path arguments must be required"});
}

TEST_F(BrokenDefinitions, BodyArgumentOnGet) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 0).at("arguments").as_object()["expired"] = {{"in", "body"}};
    });
    expect_error({kIam + ": /tools/0/arguments/expired/in: body arguments need method POST, PUT or "
                         "PATCH, not GET"});
}

TEST_F(BrokenDefinitions, BodyArgumentOnDelete) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 2).at("arguments").as_object()["jti"] = {{"in", "body"}};
    });
    expect_error({kIam + ": /tools/2/arguments/jti/in: body arguments need method POST, PUT or "
                         "PATCH, not DELETE"});
}

TEST_F(BrokenDefinitions, ObjectInTheQuery) {
    assets.edit(kSecrets, [](json::value& document) {
        // create-secret is tools[1]; move ephemeral_policy (an object) to the query.
        document.at("tools").as_array().at(1).at("arguments").as_object()["ephemeral_policy"] = {
            {"in", "query"}};
    });
    expect_error({kSecrets + ": /tools/1/arguments/ephemeral_policy: query arguments must be "
                             "scalars or arrays of scalars"});
}

TEST_F(BrokenDefinitions, DuplicateToolNameAcrossFiles) {
    // Files are read in path order, so the secret-manager file is the second to use the name.
    assets.edit(kSecrets, [](json::value& document) {
        document.at("tools").as_array().at(0).as_object()["name"] = "list-jwts";
    });
    expect_error(
        {kSecrets + ": /tools/0/name: duplicate tool name 'list-jwts' (also in " + kIam + ")"});
}

TEST_F(BrokenDefinitions, DuplicateToolsetAcrossFiles) {
    assets.edit(kSecrets,
                [](json::value& document) { document.as_object()["toolset"] = "scaleway-iam"; });
    expect_error({kSecrets + ": /toolset: toolset 'scaleway-iam' is also defined in " + kIam});
}

TEST_F(BrokenDefinitions, MissingSchemaFile) {
    assets.remove(kGetJwtOutput);
    expect_error({kGetJwtOutput + ": /: file not found among the embedded assets",
                  kIam + ": /tools/1/outputSchema: cannot load " + kGetJwtOutput});
}

TEST_F(BrokenDefinitions, RefToAMissingFile) {
    assets.put(kGetJwtOutput, R"({"$ref": "../components/scaleway-jwt-v2.json"})");
    expect_error(
        {"schemas/components/scaleway-jwt-v2.json: /: file not found among the embedded "
         "assets",
         kGetJwtOutput + ": /$ref: cannot resolve $ref '../components/scaleway-jwt-v2.json'"});
}

TEST_F(BrokenDefinitions, NestedRefToAMissingFileGivesItsPointer) {
    assets.edit(kListJwtsInput, [](json::value& document) {
        document.at("properties").as_object()["audience_id"] = {
            {"$ref", "../components/user-id.json"}, {"description", "User."}};
    });
    expect_error({kListJwtsInput + ": /properties/audience_id/$ref: cannot resolve $ref"});
}

TEST_F(BrokenDefinitions, RefCycle) {
    assets.put("schemas/components/a.json",
               R"({"type": "object", "properties": {"b": {"$ref": "b.json"}}})");
    assets.put("schemas/components/b.json",
               R"({"type": "object", "properties": {"a": {"$ref": "a.json"}}})");
    assets.put(kGetJwtOutput, R"({"$ref": "../components/a.json"})");
    expect_error(
        {"schemas/components/b.json: /properties/a/$ref: $ref cycle through "
         "schemas/components/a.json"});
}

TEST_F(BrokenDefinitions, SelfRef) {
    assets.put(kGetJwtOutput,
               R"({"type": "object", "properties": {"x": {"$ref": "get-jwt.output.json"}}})");
    expect_error({kGetJwtOutput + ": /properties/x/$ref: $ref cycle through " + kGetJwtOutput});
}

TEST_F(BrokenDefinitions, RefWithAFragment) {
    assets.put(kGetJwtOutput, R"({"$ref": "../components/scaleway-jwt.json#/properties"})");
    expect_error({kGetJwtOutput + ": /$ref: $ref must name a whole file; fragments"});
}

TEST_F(BrokenDefinitions, RefLeavingTheRepository) {
    assets.put(kGetJwtOutput, R"({"$ref": "../../../etc/passwd.json"})");
    expect_error(
        {kGetJwtOutput + ": /$ref: $ref '../../../etc/passwd.json' leaves the repository"});
}

TEST_F(BrokenDefinitions, RefToANonObject) {
    assets.put("schemas/components/list.json", R"([1, 2])");
    assets.put(kGetJwtOutput, R"({"$ref": "../components/list.json"})");
    expect_error({"schemas/components/list.json: /: a referenced schema must be a JSON object"});
}

TEST_F(BrokenDefinitions, TopLevelOneOfInAnInputSchema) {
    assets.edit(kListJwtsInput, [](json::value& document) {
        document.as_object()["oneOf"] = cmcp::testing::parse_json(
            R"([{"required": ["audience_id"]}, {"required": ["expired"]}])");
    });
    expect_error({kListJwtsInput + ": /oneOf: hosts refuse a top-level oneOf"});
}

TEST_F(BrokenDefinitions, TopLevelAnyOfAllOfAndNotInAnInputSchema) {
    assets.edit(kListJwtsInput, [](json::value& document) {
        auto& schema = document.as_object();
        schema["anyOf"] = cmcp::testing::parse_json(R"([{"required": ["audience_id"]}])");
        schema["allOf"] = cmcp::testing::parse_json(R"([{"required": ["audience_id"]}])");
        schema["not"] = cmcp::testing::parse_json(R"({"required": ["page"]})");
    });
    expect_error({kListJwtsInput + ": /anyOf: ", kListJwtsInput + ": /allOf: ",
                  kListJwtsInput + ": /not: "});
}

TEST_F(BrokenDefinitions, InputSchemaWithoutAdditionalPropertiesFalse) {
    assets.edit(kListJwtsInput,
                [](json::value& document) { document.as_object().erase("additionalProperties"); });
    expect_error({kListJwtsInput + ": /additionalProperties: input schemas must set "
                                   "\"additionalProperties\": false"});
}

TEST_F(BrokenDefinitions, InputSchemaWithAdditionalPropertiesTrue) {
    assets.edit(kListJwtsInput,
                [](json::value& document) { document.as_object()["additionalProperties"] = true; });
    expect_error({kListJwtsInput + ": /additionalProperties: "});
}

TEST_F(BrokenDefinitions, InputPropertyWithoutDescription) {
    assets.edit(kListJwtsInput, [](json::value& document) {
        document.at("properties").at("expired").as_object().erase("description");
    });
    expect_error({kListJwtsInput + ": /properties/expired: every argument needs a description"});
}

TEST_F(BrokenDefinitions, InputPropertyWithEmptyDescription) {
    assets.edit(kListJwtsInput, [](json::value& document) {
        document.at("properties").at("expired").as_object()["description"] = "";
    });
    expect_error({kListJwtsInput + ": /properties/expired: every argument needs a description"});
}

TEST_F(BrokenDefinitions, RequiredNamesAnUnknownProperty) {
    assets.edit(kListJwtsInput, [](json::value& document) {
        document.at("required").as_array().push_back("user_id");
    });
    expect_error({kListJwtsInput + ": /required/1: names no property of this schema"});
}

TEST_F(BrokenDefinitions, InputSchemaThatIsNotAnObjectSchema) {
    assets.edit(kListJwtsInput,
                [](json::value& document) { document.as_object()["type"] = "array"; });
    expect_error({kListJwtsInput + ": /type: a tool schema must have \"type\": \"object\""});
}

TEST_F(BrokenDefinitions, SendDefaultWithoutDefault) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 0).at("arguments").as_object()["expired"] = {{"in", "query"},
                                                                        {"sendDefault", true}};
    });
    expect_error({kIam + ": /tools/0/arguments/expired/sendDefault: the inputSchema property has "
                         "no default to send"});
}

TEST_F(BrokenDefinitions, DefaultFromOnANonString) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 0).at("arguments").as_object()["page_size"] = {
            {"in", "query"}, {"defaultFrom", "scaleway.region"}};
    });
    expect_error({kIam + ": /tools/0/arguments/page_size/defaultFrom: configuration defaults are "
                         "strings"});
}

TEST_F(BrokenDefinitions, DefaultFromAnUnknownKeyViolatesTheDefinitionSchema) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 0).at("arguments").as_object()["audience_id"] = {
            {"in", "query"}, {"defaultFrom", "scaleway.user_id"}};
    });
    expect_error({kIam + ": /tools/0/arguments/audience_id/defaultFrom"});
}

TEST_F(BrokenDefinitions, ExactlyOneOfNamingAnUnknownArgument) {
    assets.edit(kFunctions, [](json::value& document) {
        document.at("tools").as_array().at(1).as_object()["exactlyOneOf"] =
            cmcp::testing::parse_json(R"([["function_id", "container_id"]])");
    });
    expect_error({kFunctions + ": /tools/1/exactlyOneOf/0: 'container_id' is not an argument of "
                               "this tool"});
}

TEST_F(BrokenDefinitions, ExactlyOneOfNamingARequiredArgument) {
    assets.edit(kFunctions, [](json::value& document) {
        document.at("tools").as_array().at(1).as_object()["exactlyOneOf"] =
            cmcp::testing::parse_json(
                R"([["function_id", "namespace_id"], ["region", "description"]])");
    });
    expect_error({kFunctions + ": /tools/1/exactlyOneOf/1: 'region' is required, so it cannot be "
                               "one of several choices"});
}

TEST_F(BrokenDefinitions, EmptyResponsePlaceholderNamingAnUnknownArgument) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 2)["emptyResponse"] = {{"deleted", true}, {"jti", "{jwt_id}"}};
    });
    expect_error({kIam + ": /tools/2/emptyResponse/jti: {jwt_id} is not an argument of this tool"});
}

TEST_F(BrokenDefinitions, EmptyResponsePlaceholderInsideAnArray) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 2)["emptyResponse"] =
            cmcp::testing::parse_json(R"({"deleted": true, "jti": "{jti}", "ids": ["x-{kid}"]})");
    });
    expect_error({kIam + ": /tools/2/emptyResponse/ids/0: {kid} is not an argument of this tool"});
}

TEST_F(BrokenDefinitions, OutputSchemaWhoseTopLevelIsNotAnObject) {
    assets.put(kGetJwtOutput, R"({"type": "array", "items": {"type": "object"}})");
    expect_error({kGetJwtOutput + ": /type: a tool schema must have \"type\": \"object\""});
}

TEST_F(BrokenDefinitions, OutputSchemaWithoutType) {
    assets.put(kGetJwtOutput, R"({"properties": {"jti": {"type": "string"}}})");
    expect_error({kGetJwtOutput + ": /type: "});
}

// pagination of list-jwts (tools/scaleway-iam.json, tools[0]).
void set_pagination(json::value& document, std::string_view spec) {
    iam_tool(document, 0)["pagination"] = cmcp::testing::parse_json(spec);
}

TEST_F(BrokenDefinitions, PaginationWithoutTotalOrNextPage) {
    assets.edit(kIam, [](json::value& document) {
        set_pagination(document, R"({"items": "jwts", "page": "page", "pageSize": "page_size"})");
    });
    expect_error({kIam + ": /tools/0/pagination: give \"total\" or \"nextPage\" (or both)"});
}

TEST_F(BrokenDefinitions, PaginationPageThatIsNotAnArgument) {
    assets.edit(kIam, [](json::value& document) {
        set_pagination(document, R"({"items": "jwts", "total": "total_count", "page": "offset",
                                     "pageSize": "limit"})");
    });
    expect_error({kIam + ": /tools/0/pagination/page: 'offset' is not an argument of this tool",
                  kIam + ": /tools/0/pagination/pageSize: 'limit' is not an argument of this "
                         "tool"});
}

TEST_F(BrokenDefinitions, PaginationPageSizeThatIsAPathArgument) {
    assets.edit(kSecrets, [](json::value& document) {
        document.at("tools").as_array().at(0).as_object()["pagination"] =
            cmcp::testing::parse_json(R"({"items": "secrets", "total": "total_count",
                                          "page": "page", "pageSize": "region"})");
    });
    expect_error({kSecrets + ": /tools/0/pagination/pageSize: 'region' must be a query argument"});
}

TEST_F(BrokenDefinitions, PaginationArgumentThatIsNotAnInteger) {
    assets.edit(kIam, [](json::value& document) {
        set_pagination(document, R"({"items": "jwts", "total": "total_count", "page": "page",
                                     "pageSize": "order_by"})");
    });
    expect_error({kIam + ": /tools/0/pagination/pageSize: 'order_by' must be of type integer"});
}

TEST_F(BrokenDefinitions, PaginationWithTheSameArgumentTwice) {
    assets.edit(kIam, [](json::value& document) {
        set_pagination(document, R"({"items": "jwts", "total": "total_count", "page": "page",
                                     "pageSize": "page"})");
    });
    expect_error({kIam + ": /tools/0/pagination/pageSize: the page and page size arguments must "
                         "differ"});
}

TEST_F(BrokenDefinitions, PaginationKeysThatTheOutputSchemaDoesNotHave) {
    assets.edit(kIam, [](json::value& document) {
        set_pagination(document, R"({"items": "total_count", "total": "jwts",
                                     "nextPage": "next_page", "page": "page",
                                     "pageSize": "page_size"})");
    });
    const std::string output = "schemas/scaleway-iam/list-jwts.output.json";
    expect_error(
        {kIam + ": /tools/0/pagination/items: 'total_count' must be an array property of " + output,
         kIam + ": /tools/0/pagination/total: 'jwts' must be an integer property of " + output,
         kIam +
             ": /tools/0/pagination/nextPage: 'next_page' must be an integer (or null) "
             "property of " +
             output});
}

TEST_F(BrokenDefinitions, PaginationShapeViolatesTheDefinitionSchema) {
    assets.edit(kIam, [](json::value& document) {
        set_pagination(document, R"({"items": "jwts", "total": "total_count", "page": "page",
                                     "perPage": "page_size"})");
    });
    const auto message = expect_error({kIam + ": /tools/0/pagination"});
    EXPECT_THAT(message, HasSubstr("pageSize"));
}

TEST_F(BrokenDefinitions, SchemaFilePathOutsideSchemasViolatesTheDefinitionSchema) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 1)["outputSchema"] = "tools/scaleway-iam.json";
    });
    expect_error({kIam + ": /tools/1/outputSchema"});
}

TEST_F(BrokenDefinitions, EveryProblemIsListedNotOnlyTheFirst) {
    assets.edit(kIam, [](json::value& document) {
        iam_tool(document, 0).at("arguments").as_object().erase("expired");
        iam_tool(document, 2)["emptyResponse"] = {{"deleted", true}, {"jti", "{jwt_id}"}};
    });
    assets.edit(kSecrets, [](json::value& document) {
        document.at("tools").as_array().at(0).at("arguments").as_object()["bogus"] = {
            {"in", "query"}};
    });
    const auto message =
        expect_error({kIam + ": /tools/0/arguments: ", kIam + ": /tools/2/emptyResponse/jti: ",
                      kSecrets + ": /tools/0/arguments/bogus: "});
    EXPECT_THAT(message, HasSubstr("(3 problems)"));
}

TEST_F(BrokenDefinitions, NoToolsFiles) {
    for (const auto* file : {"tools/planetscale.json", "tools/scaleway-functions.json",
                             "tools/scaleway-iam.json", "tools/scaleway-secret-manager.json"}) {
        assets.remove(file);
    }
    expect_error({"tools/: /: no tool definitions were embedded"});
}

TEST(BrokenDefinitionsEmpty, EmptyAssetSet) {
    try {
        load_definitions({});
        FAIL() << "an empty asset set loaded";
    } catch (const DefinitionError& error) {
        EXPECT_THAT(error.what(), HasSubstr("schemas/tool-definitions.schema.json: /: file not "
                                            "found among the embedded assets"));
    }
}

TEST_F(BrokenDefinitions, MissingDefinitionSchema) {
    assets.remove("schemas/tool-definitions.schema.json");
    expect_error({"schemas/tool-definitions.schema.json: /: file not found"});
}

TEST_F(BrokenDefinitions, NonJsonFilesAndOtherFoldersAreIgnored) {
    assets.put("tools/README.md", "# not JSON");
    assets.put("docs/tools/x.json", "not JSON either");
    const auto view = assets.view();
    EXPECT_EQ(load_definitions(view).tools.size(), 23U);
}

}  // namespace
}  // namespace cmcp::catalog::test

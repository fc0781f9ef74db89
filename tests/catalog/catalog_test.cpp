// Catalog: the schemas it serves with operator-configured defaults, how prepare() fills those
// defaults in, and toolset / read-only filtering.

#include "catalog/catalog.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "catalog/definition_loader.hpp"
#include "catalog_test_support.hpp"
#include "testing/fakes.hpp"
#include "testing/json.hpp"

namespace cmcp::catalog::test {
namespace {

using ::testing::HasSubstr;

const Definitions& definitions() {
    static const Definitions loaded = load_definitions(embedded_assets());
    return loaded;
}

CatalogOptions options_with_defaults() {
    CatalogOptions options;
    options.defaults = {{"scaleway.region", "nl-ams"},
                        {"scaleway.project_id", std::string(kProjectId)},
                        {"scaleway.organization_id", std::string(kOrganizationId)},
                        {"planetscale.organization", "acme"}};
    return options;
}

const Catalog& catalog_with_defaults() {
    static const Catalog catalog(definitions(), options_with_defaults());
    return catalog;
}

bool is_required(const json::object& schema, std::string_view name) {
    const auto* required = schema.if_contains("required");
    if (required == nullptr) {
        return false;
    }
    const auto& list = required->as_array();
    return std::find(list.begin(), list.end(), json::value(name)) != list.end();
}

const std::map<std::string, std::string>& configured() {
    static const std::map<std::string, std::string> defaults = options_with_defaults().defaults;
    return defaults;
}

PreparedCall prepare_ok(const Catalog& catalog, std::string_view tool,
                        const json::object& arguments) {
    auto outcome = catalog.prepare(tool_named(catalog, tool), arguments);
    if (auto* problem = std::get_if<std::string>(&outcome)) {
        ADD_FAILURE() << tool << ": " << *problem;
        return {};
    }
    return std::get<PreparedCall>(std::move(outcome));
}

std::string prepare_error(const Catalog& catalog, std::string_view tool,
                          const json::object& arguments) {
    auto outcome = catalog.prepare(tool_named(catalog, tool), arguments);
    if (std::holds_alternative<PreparedCall>(outcome)) {
        ADD_FAILURE() << tool << " accepted " << json::serialize(arguments);
        return {};
    }
    return std::get<std::string>(outcome);
}

std::vector<std::string> names_of(const Catalog& catalog) {
    std::vector<std::string> names;
    for (const auto& tool : catalog.tools()) {
        names.push_back(tool.definition.name);
    }
    return names;
}

// ---------------------------------------------------------------------------------------------
// Served schemas

TEST(ServedSchemas, ConfiguredDefaultsAreShownAndNoLongerRequired) {
    int defaulted = 0;
    for (const auto& tool : catalog_with_defaults().tools()) {
        SCOPED_TRACE(tool.definition.name);
        for (const auto& argument : tool.definition.arguments) {
            if (!argument.default_from) {
                continue;
            }
            ++defaulted;
            SCOPED_TRACE(argument.name);
            const auto& value = configured().at(*argument.default_from);
            const auto& property =
                tool.served_input_schema.at("properties").at(argument.name).as_object();
            EXPECT_EQ(property.at("default"), json::value(value));
            EXPECT_FALSE(is_required(tool.served_input_schema, argument.name));
            // The definition keeps it required; only the served copy changes.
            EXPECT_FALSE(tool.definition.input_schema.at("properties")
                             .at(argument.name)
                             .as_object()
                             .contains("default"));
        }
    }
    // 17 region arguments, 6 organization arguments, create-secret project_id and list-secrets
    // organization_id.
    EXPECT_EQ(defaulted, 14 + 6 + 1 + 1);
}

TEST(ServedSchemas, ListedSchemasCarryTheDefaults) {
    for (const auto& entry : catalog_with_defaults().list({true, true})) {
        const auto& tool = entry.as_object();
        SCOPED_TRACE(json::serialize(tool.at("name")));
        const auto& schema = tool.at("inputSchema").as_object();
        const auto& properties = schema.at("properties").as_object();
        if (properties.contains("region")) {
            EXPECT_EQ(properties.at("region").at("default"), "nl-ams");
            EXPECT_FALSE(is_required(schema, "region"));
        }
        if (properties.contains("organization")) {
            EXPECT_EQ(properties.at("organization").at("default"), "acme");
            EXPECT_FALSE(is_required(schema, "organization"));
        }
    }
}

TEST(ServedSchemas, RequiredListsAfterDefaults) {
    const auto& catalog = catalog_with_defaults();
    auto required = [&catalog](std::string_view name) -> json::value {
        const auto& schema = tool_named(catalog, name).served_input_schema;
        const auto* list = schema.if_contains("required");
        return list == nullptr ? json::value(nullptr) : *list;
    };
    EXPECT_EQ(required("create-secret"), cmcp::testing::parse_json(R"(["name"])"));
    EXPECT_EQ(required("get-token"), cmcp::testing::parse_json(R"(["token_id"])"));
    EXPECT_EQ(required("restore-version"),
              cmcp::testing::parse_json(R"(["secret_id", "revision"])"));
    EXPECT_EQ(required("grant-service-token-access"),
              cmcp::testing::parse_json(R"(["id", "access"])"));
    // Nothing is left required: the list goes away rather than staying empty.
    EXPECT_EQ(required("list-secrets"), json::value(nullptr));
    EXPECT_EQ(required("list-all-tokens"), json::value(nullptr));
    EXPECT_EQ(required("list-service-tokens"), json::value(nullptr));
    // IAM has no region and no defaults.
    EXPECT_EQ(required("list-jwts"), cmcp::testing::parse_json(R"(["audience_id"])"));
}

TEST(ServedSchemas, WithoutDefaultsRegionOrganizationAndProjectAreRequired) {
    const auto& catalog = cmcp::testing::embedded_catalog();
    int region_tools = 0;
    int organization_tools = 0;
    for (const auto& tool : catalog.tools()) {
        SCOPED_TRACE(tool.definition.name);
        const auto& schema = tool.served_input_schema;
        EXPECT_EQ(schema, tool.definition.input_schema);
        const auto& properties = schema.at("properties").as_object();
        if (properties.contains("region")) {
            ++region_tools;
            EXPECT_TRUE(is_required(schema, "region"));
            EXPECT_FALSE(properties.at("region").as_object().contains("default"));
        }
        if (properties.contains("organization")) {
            ++organization_tools;
            EXPECT_TRUE(is_required(schema, "organization"));
        }
    }
    EXPECT_EQ(region_tools, 14);
    EXPECT_EQ(organization_tools, 6);
    EXPECT_TRUE(
        is_required(tool_named(catalog, "create-secret").served_input_schema, "project_id"));
}

TEST(ServedSchemas, ListSecretsOrganizationIdIsOptionalEitherWay) {
    EXPECT_FALSE(is_required(
        tool_named(cmcp::testing::embedded_catalog(), "list-secrets").served_input_schema,
        "organization_id"));
    const auto& served = tool_named(catalog_with_defaults(), "list-secrets").served_input_schema;
    EXPECT_FALSE(is_required(served, "organization_id"));
    EXPECT_EQ(served.at("properties").at("organization_id").at("default"),
              json::value(kOrganizationId));
}

TEST(ServedSchemas, PartialDefaultsOnlyTouchTheirArguments) {
    CatalogOptions options;
    options.defaults = {{"planetscale.organization", "acme"}};
    const Catalog catalog(definitions(), options);
    EXPECT_TRUE(is_required(tool_named(catalog, "get-token").served_input_schema, "region"));
    EXPECT_FALSE(
        is_required(tool_named(catalog, "get-service-token").served_input_schema, "organization"));
}

// ---------------------------------------------------------------------------------------------
// prepare() with defaults

TEST(PrepareWithDefaults, FillsRegionIntoThePath) {
    const auto call =
        prepare_ok(catalog_with_defaults(), "get-token", {{"token_id", std::string(kTokenId)}});
    EXPECT_EQ(call.request.path,
              "/functions/v1beta1/regions/nl-ams/tokens/" + std::string(kTokenId));
    EXPECT_EQ(call.arguments.at("region"), "nl-ams");
}

TEST(PrepareWithDefaults, ExplicitArgumentsWin) {
    const auto call = prepare_ok(catalog_with_defaults(), "get-token",
                                 {{"region", "pl-waw"}, {"token_id", std::string(kTokenId)}});
    EXPECT_EQ(call.request.path,
              "/functions/v1beta1/regions/pl-waw/tokens/" + std::string(kTokenId));
}

TEST(PrepareWithDefaults, ListSecretsSendsOrganizationAndScheduledForDeletion) {
    const auto call = prepare_ok(catalog_with_defaults(), "list-secrets", {});
    EXPECT_EQ(call.request.path, "/secret-manager/v1beta1/regions/nl-ams/secrets");
    const std::vector<upstream::QueryParam> expected = {
        {"organization_id", std::string(kOrganizationId)}, {"scheduled_for_deletion", "false"}};
    EXPECT_EQ(call.request.query, expected);
}

TEST(PrepareWithDefaults, CreateSecretGetsProjectAndRegion) {
    const auto call = prepare_ok(catalog_with_defaults(), "create-secret", {{"name", "api-key"}});
    EXPECT_EQ(call.request.path, "/secret-manager/v1beta1/regions/nl-ams/secrets");
    ASSERT_TRUE(call.request.body.has_value());
    EXPECT_EQ(*call.request.body,
              cmcp::testing::parse_object(R"({"project_id": ")" + std::string(kProjectId) +
                                          R"(", "name": "api-key", "protected": false})"));
}

TEST(PrepareWithDefaults, PlanetScaleOrganizationIsFilledAndKeptInTheArguments) {
    const auto call = prepare_ok(catalog_with_defaults(), "delete-service-token",
                                 {{"id", std::string(kServiceTokenId)}});
    EXPECT_EQ(call.request.path, "/v1/organizations/acme/service-tokens/txhc257pxjuc");
    EXPECT_EQ(call.request.provider, upstream::Provider::planetscale);
    // The filled arguments are what emptyResponse placeholders are rendered from.
    EXPECT_EQ(call.arguments,
              cmcp::testing::parse_object(R"({"id": "txhc257pxjuc", "organization": "acme"})"));
}

TEST(PrepareWithDefaults, EveryToolAcceptsItsArgumentsWithoutTheDefaultedOnes) {
    for (const auto& tool : catalog_with_defaults().tools()) {
        SCOPED_TRACE(tool.definition.name);
        auto arguments = valid_arguments(tool.definition.name);
        for (const auto& argument : tool.definition.arguments) {
            if (argument.default_from) {
                arguments.erase(argument.name);
            }
        }
        const auto call = prepare_ok(catalog_with_defaults(), tool.definition.name, arguments);
        for (const auto& argument : tool.definition.arguments) {
            if (argument.default_from && argument.name != "organization_id" &&
                argument.name != "project_id") {
                EXPECT_EQ(call.arguments.at(argument.name),
                          json::value(configured().at(*argument.default_from)))
                    << argument.name;
            }
        }
    }
}

TEST(PrepareWithoutDefaults, MissingRegionIsAnError) {
    const auto message =
        prepare_error(cmcp::testing::embedded_catalog(), "list-secrets", json::object{});
    EXPECT_THAT(message, HasSubstr("missing required argument `region`"));
}

TEST(PrepareWithoutDefaults, MissingOrganizationAndProjectAreErrors) {
    const auto& catalog = cmcp::testing::embedded_catalog();
    EXPECT_THAT(prepare_error(catalog, "list-service-tokens", json::object{}),
                HasSubstr("missing required argument `organization`"));
    EXPECT_THAT(prepare_error(catalog, "create-secret", {{"region", "fr-par"}, {"name", "x"}}),
                HasSubstr("missing required argument `project_id`"));
}

TEST(PrepareWithoutDefaults, NothingIsFilledIn) {
    const auto call =
        prepare_ok(cmcp::testing::embedded_catalog(), "list-secrets", {{"region", "fr-par"}});
    const std::vector<upstream::QueryParam> expected = {{"scheduled_for_deletion", "false"}};
    EXPECT_EQ(call.request.query, expected);
    EXPECT_EQ(call.arguments, cmcp::testing::parse_object(R"({"region": "fr-par"})"));
}

TEST(PrepareWithDefaults, AnInvalidConfiguredDefaultIsReportedNotSent) {
    CatalogOptions options;
    options.defaults = {{"scaleway.region", "eu-west"}};
    const Catalog catalog(definitions(), options);
    const auto message = prepare_error(catalog, "get-token", {{"token_id", std::string(kTokenId)}});
    EXPECT_THAT(message, HasSubstr("`region`"));
    EXPECT_THAT(message, HasSubstr("eu-west"));
}

// ---------------------------------------------------------------------------------------------
// Filtering

TEST(CatalogFiltering, EveryToolByDefault) {
    const auto& catalog = cmcp::testing::embedded_catalog();
    EXPECT_EQ(catalog.tools().size(), 23U);
    EXPECT_EQ(catalog.toolsets().size(), 4U);
    for (const auto& expected : expected_tools()) {
        EXPECT_NE(catalog.find(expected.name), nullptr) << expected.name;
    }
    EXPECT_EQ(catalog.find("list-tokens"), nullptr);
    EXPECT_EQ(catalog.find(""), nullptr);
}

TEST(CatalogFiltering, ToolsetSubset) {
    CatalogOptions options;
    options.selection.toolsets = {"scaleway-iam"};
    const Catalog catalog(definitions(), options);
    EXPECT_THAT(names_of(catalog), ::testing::ElementsAre("list-jwts", "get-jwt", "delete-jwt"));
    EXPECT_EQ(catalog.list({true, true}).size(), 3U);
    EXPECT_EQ(catalog.list({false, false}).size(), 3U);
    EXPECT_EQ(catalog.find("list-secrets"), nullptr);
}

TEST(CatalogFiltering, SeveralToolsets) {
    CatalogOptions options;
    options.selection.toolsets = {"planetscale", "scaleway-secrets"};
    const Catalog catalog(definitions(), options);
    EXPECT_EQ(catalog.tools().size(), 6U + 10U);
    for (const auto& tool : catalog.tools()) {
        EXPECT_THAT((std::set<std::string>{"planetscale", "scaleway-secrets"}),
                    ::testing::Contains(tool.definition.toolset));
    }
}

TEST(CatalogFiltering, ReadOnlyKeepsOnlyReadOnlyTools) {
    CatalogOptions options;
    options.selection.read_only = true;
    const Catalog catalog(definitions(), options);
    EXPECT_THAT(names_of(catalog),
                ::testing::UnorderedElementsAre(
                    "list-all-tokens", "get-token", "list-jwts", "get-jwt", "list-secrets",
                    "get-metadata-using-secret-s-id", "list-service-tokens", "get-service-token",
                    "list-service-token-accesses"));
    for (const auto& entry : catalog.list({true, true})) {
        EXPECT_EQ(entry.at("annotations").at("readOnlyHint"), true);
        EXPECT_EQ(entry.at("annotations").at("destructiveHint"), false);
    }
    EXPECT_EQ(catalog.find("delete-jwt"), nullptr);
}

TEST(CatalogFiltering, ReadOnlyAndToolsetsCombine) {
    CatalogOptions options;
    options.selection.read_only = true;
    options.selection.toolsets = {"planetscale", "scaleway-iam"};
    const Catalog catalog(definitions(), options);
    EXPECT_THAT(names_of(catalog),
                ::testing::ElementsAre("list-service-tokens", "get-service-token",
                                       "list-service-token-accesses", "list-jwts", "get-jwt"));
}

// Issue 14 §1: layers of a narrowing only ever hide tools.
TEST(CatalogNarrowing, EveryLayerMustAdmitATool) {
    const Catalog catalog(definitions(), CatalogOptions{});
    auto visible = [&catalog](const Narrowing& narrowing) {
        std::vector<std::string> names;
        for (const auto& tool : catalog.tools()) {
            if (Catalog::visible(tool, narrowing)) {
                names.push_back(tool.definition.name);
            }
        }
        return names;
    };
    Narrowing narrowing;
    EXPECT_EQ(visible(narrowing).size(), 23U);
    narrowing.add(ToolSelection{{"scaleway-iam"}, {"get-token"}, {}, false});
    EXPECT_THAT(visible(narrowing),
                ::testing::UnorderedElementsAre("get-token", "list-jwts", "get-jwt", "delete-jwt"));
    narrowing.add(
        ToolSelection{{}, {"get-token", "get-jwt", "delete-jwt", "list-secrets"}, {}, false});
    EXPECT_THAT(visible(narrowing),
                ::testing::UnorderedElementsAre("get-token", "get-jwt", "delete-jwt"));
    narrowing.add(ToolSelection{{}, {}, {"get-token"}, true});
    EXPECT_THAT(visible(narrowing), ::testing::ElementsAre("get-jwt"));
    narrowing.add(ToolSelection{{"planetscale"}, {}, {}, false});
    EXPECT_TRUE(visible(narrowing).empty());
    Narrowing bad;
    bad.add(ToolSelection{});
    bad.add(ToolSelection{{}, {"drop-database"}, {}, false});
    EXPECT_THAT(catalog.unknown_name(bad).value_or(""), ::testing::HasSubstr("drop-database"));
}

TEST(CatalogFiltering, UnknownToolsetNamesTheKnownOnes) {
    CatalogOptions options;
    options.selection.toolsets = {"scaleway-iam", "scaleway-dns"};
    try {
        const Catalog catalog(definitions(), options);
        FAIL() << "an unknown toolset was accepted";
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        EXPECT_THAT(message, HasSubstr("'scaleway-dns'"));
        for (const auto* known :
             {"planetscale", "scaleway-functions", "scaleway-iam", "scaleway-secrets"}) {
            EXPECT_THAT(message, HasSubstr(known));
        }
    }
}

TEST(CatalogFiltering, FromEmbeddedAlsoRefusesAnUnknownToolset) {
    CatalogOptions options;
    options.selection.toolsets = {
        "scaleway-secret-manager"};  // the file name, not the toolset name
    EXPECT_THROW(Catalog::from_embedded(options), std::invalid_argument);
}

TEST(CatalogFiltering, DefaultsApplyToTheFilteredTools) {
    CatalogOptions options = options_with_defaults();
    options.selection.toolsets = {"scaleway-functions"};
    const Catalog catalog(definitions(), options);
    EXPECT_EQ(catalog.tools().size(), 4U);
    const auto call = prepare_ok(catalog, "list-all-tokens", {});
    EXPECT_EQ(call.request.path, "/functions/v1beta1/regions/nl-ams/tokens");
}

}  // namespace
}  // namespace cmcp::catalog::test

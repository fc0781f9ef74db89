// The tools/list answer, pinned as a committed snapshot, plus the invariants every protocol
// version's shape must keep.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include "catalog_test_support.hpp"
#include "testing/fakes.hpp"

namespace cmcp::catalog::test {
namespace {

using ::testing::HasSubstr;

const std::string kSnapshotPath =
    std::string(CMCP_SOURCE_DIR) + "/tests/catalog/snapshots/tools-list.2025-11-25.json";

bool updating_snapshots() {
    const char* flag = std::getenv("UPDATE_SNAPSHOTS");
    return flag != nullptr && std::string_view(flag) == "1";
}

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The first line where two texts differ, for a readable failure.
std::string first_difference(const std::string& expected, const std::string& actual) {
    std::istringstream a(expected);
    std::istringstream b(actual);
    std::string line_a;
    std::string line_b;
    for (int line = 1;; ++line) {
        const bool more_a = static_cast<bool>(std::getline(a, line_a));
        const bool more_b = static_cast<bool>(std::getline(b, line_b));
        if (!more_a && !more_b) {
            return "no line differs (whitespace at the end?)";
        }
        if (!more_a || !more_b || line_a != line_b) {
            return "first difference at line " + std::to_string(line) +
                   ":\n  snapshot: " + (more_a ? line_a : "<end of file>") +
                   "\n  actual:   " + (more_b ? line_b : "<end of file>");
        }
    }
}

TEST(ToolsListSnapshot, Matches2025_11_25Snapshot) {
    const json::value list = cmcp::testing::embedded_catalog().list({true, true});
    const std::string actual = pretty_json(list) + "\n";
    if (updating_snapshots()) {
        std::ofstream out(kSnapshotPath, std::ios::binary | std::ios::trunc);
        ASSERT_TRUE(out) << "cannot write " << kSnapshotPath;
        out << actual;
        std::cout << "updated " << kSnapshotPath << "\n";
        return;
    }
    const auto expected = read_file(kSnapshotPath);
    ASSERT_TRUE(expected.has_value())
        << kSnapshotPath << " is missing. Create it with: UPDATE_SNAPSHOTS=1 "
        << "build-catalog/tests/catalog_tests --gtest_filter='ToolsListSnapshot.*'";
    EXPECT_TRUE(*expected == actual)
        << "tools/list (2025-11-25 shape) differs from the committed snapshot " << kSnapshotPath
        << ".\n"
        << first_difference(*expected, actual)
        << "\nIf the change is intended, update the snapshot (from the repository root) with:\n  "
           "UPDATE_SNAPSHOTS=1 "
           "build-catalog/tests/catalog_tests --gtest_filter='ToolsListSnapshot.*'\n"
           "and review the diff of the snapshot file before committing it.";
}

TEST(ToolsListSnapshot, SnapshotIsValidJsonWith23Tools) {
    const auto text = read_file(kSnapshotPath);
    ASSERT_TRUE(text.has_value()) << kSnapshotPath;
    const auto document = json::parse(*text);
    ASSERT_TRUE(document.is_array());
    EXPECT_EQ(document.as_array().size(), 23U);
    EXPECT_FALSE(contains_key_anywhere(document, "$ref"));
}

TEST(PrettyJson, IndentsWithTwoSpacesAndKeepsKeyOrder) {
    const json::value value = {{"z", 1},
                               {"a", json::array{true, nullptr, "x\"y"}},
                               {"m", json::object{}},
                               {"n", json::array{}},
                               {"o", {{"k", 1.5}}}};
    EXPECT_EQ(pretty_json(value),
              "{\n"
              "  \"z\": 1,\n"
              "  \"a\": [\n"
              "    true,\n"
              "    null,\n"
              "    \"x\\\"y\"\n"
              "  ],\n"
              "  \"m\": {},\n"
              "  \"n\": [],\n"
              "  \"o\": {\n"
              "    \"k\": 1.5E0\n"
              "  }\n"
              "}");
}

std::vector<std::string> keys_of(const json::object& object) {
    std::vector<std::string> keys;
    for (const auto& [key, _] : object) {
        keys.emplace_back(key);
    }
    return keys;
}

TEST(ToolsList, Shape2025_11_25HasTitlesOutputSchemasAndAnnotations) {
    const auto& list = cmcp::testing::embedded_catalog().list({true, true});
    ASSERT_EQ(list.size(), 23U);
    for (const auto& entry : list) {
        const auto& tool = entry.as_object();
        const std::string name(tool.at("name").as_string());
        SCOPED_TRACE(name);
        const auto& expected = expected_tool(name);
        EXPECT_THAT(keys_of(tool),
                    ::testing::ElementsAre("name", "title", "description", "inputSchema",
                                           "outputSchema", "annotations"));
        EXPECT_EQ(tool.at("title"), json::value(expected.title));
        const auto& annotations = tool.at("annotations").as_object();
        EXPECT_EQ(annotations.at("title"), json::value(expected.title));
        EXPECT_EQ(annotations.at("readOnlyHint"), expected.read_only);
        EXPECT_EQ(annotations.at("destructiveHint"), expected.destructive);
        EXPECT_EQ(annotations.at("idempotentHint"), expected.idempotent);
        EXPECT_EQ(annotations.at("openWorldHint"), true);
        EXPECT_EQ(tool.at("outputSchema").at("type"), "object");
    }
}

TEST(ToolsList, Shape2024_11_05HasOnlyNameDescriptionAndInputSchema) {
    const auto& list = cmcp::testing::embedded_catalog().list({false, false});
    ASSERT_EQ(list.size(), 23U);
    for (const auto& entry : list) {
        SCOPED_TRACE(json::serialize(entry.at("name")));
        EXPECT_THAT(keys_of(entry.as_object()),
                    ::testing::ElementsAre("name", "description", "inputSchema"));
    }
}

TEST(ToolsList, Shape2025_03_26AddsAnnotationsOnly) {
    const auto& list = cmcp::testing::embedded_catalog().list({true, false});
    ASSERT_EQ(list.size(), 23U);
    for (const auto& entry : list) {
        SCOPED_TRACE(json::serialize(entry.at("name")));
        EXPECT_THAT(keys_of(entry.as_object()),
                    ::testing::ElementsAre("name", "description", "inputSchema", "annotations"));
    }
}

TEST(ToolsList, AllShapesListTheSameToolsInTheSameOrderWithTheSameInputSchemas) {
    const auto& catalog = cmcp::testing::embedded_catalog();
    const auto& full = catalog.list({true, true});
    for (const ToolFields fields :
         {ToolFields{false, false}, ToolFields{true, false}, ToolFields{false, true}}) {
        const auto& other = catalog.list(fields);
        ASSERT_EQ(other.size(), full.size());
        for (std::size_t i = 0; i < full.size(); ++i) {
            EXPECT_EQ(other[i].at("name"), full[i].at("name"));
            EXPECT_EQ(other[i].at("description"), full[i].at("description"));
            EXPECT_EQ(other[i].at("inputSchema"), full[i].at("inputSchema"));
        }
    }
}

TEST(ToolsList, InputSchemasUseNoRefOrCombinatorsAnywhere) {
    for (const ToolFields fields :
         {ToolFields{false, false}, ToolFields{true, false}, ToolFields{true, true}}) {
        for (const auto& entry : cmcp::testing::embedded_catalog().list(fields)) {
            SCOPED_TRACE(json::serialize(entry.at("name")));
            const auto& schema = entry.at("inputSchema");
            for (const auto* key :
                 {"$ref", "oneOf", "anyOf", "allOf", "$defs", "definitions", "$schema"}) {
                EXPECT_FALSE(contains_key_anywhere(schema, key)) << key;
            }
            if (const auto* output = entry.as_object().if_contains("outputSchema")) {
                EXPECT_FALSE(contains_key_anywhere(*output, "$ref"));
            }
        }
    }
}

TEST(ToolsList, EveryToolIsWellFormedForHosts) {
    const std::regex name_pattern("^[A-Za-z0-9_-]{1,64}$");
    for (const auto& entry : cmcp::testing::embedded_catalog().list({true, true})) {
        const auto& tool = entry.as_object();
        const std::string name(tool.at("name").as_string());
        SCOPED_TRACE(name);
        EXPECT_TRUE(std::regex_match(name, name_pattern));
        ASSERT_TRUE(tool.at("description").is_string());
        EXPECT_GE(tool.at("description").as_string().size(), 40U);
        const auto& schema = tool.at("inputSchema").as_object();
        EXPECT_EQ(schema.at("type"), "object");
        EXPECT_EQ(schema.at("additionalProperties"), false);
        ASSERT_TRUE(schema.at("properties").is_object());
        for (const auto& [property, spec] : schema.at("properties").as_object()) {
            SCOPED_TRACE(std::string(property));
            ASSERT_TRUE(spec.is_object());
            EXPECT_TRUE(spec.as_object().contains("type"));
            ASSERT_TRUE(spec.as_object().contains("description"));
            EXPECT_FALSE(spec.at("description").as_string().empty());
            // Every free-text string is bounded (README: maxLength, pattern or enum).
            if (spec.at("type") == "string") {
                const auto& object = spec.as_object();
                EXPECT_TRUE(object.contains("maxLength") || object.contains("pattern") ||
                            object.contains("enum"));
            }
        }
    }
}

TEST(ToolsList, WithoutDefaultsTheCatalogRequiresRegionAndOrganization) {
    for (const auto& entry : cmcp::testing::embedded_catalog().list({true, true})) {
        const auto& tool = entry.as_object();
        SCOPED_TRACE(json::serialize(tool.at("name")));
        const auto& schema = tool.at("inputSchema").as_object();
        const auto& properties = schema.at("properties").as_object();
        for (const auto* key : {"region", "organization"}) {
            if (!properties.contains(key)) {
                continue;
            }
            const auto& required = schema.at("required").as_array();
            EXPECT_NE(std::find(required.begin(), required.end(), json::value(key)), required.end())
                << key;
            EXPECT_FALSE(properties.at(key).as_object().contains("default")) << key;
        }
    }
}

}  // namespace
}  // namespace cmcp::catalog::test

#include "identity/tool_scopes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/definition_loader.hpp"
#include "catalog/embedded_assets.hpp"

namespace cmcp::identity {
namespace {

catalog::Annotations annotated(bool read_only, bool destructive) {
    catalog::Annotations annotations;
    annotations.read_only = read_only;
    annotations.destructive = destructive;
    return annotations;
}

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto end = std::min(text.find(' ', at), text.size());
        if (end > at) {
            out.emplace_back(text.substr(at, end - at));
        }
        at = end + 1;
    }
    return out;
}

TEST(ToolScopes, EachToolFallsInExactlyOneClassByItsAnnotations) {
    EXPECT_EQ(tool_class(annotated(true, false)), kReadTools);
    // A read-only tool changes nothing, whatever its destructiveHint says (MCP ignores it).
    EXPECT_EQ(tool_class(annotated(true, true)), kReadTools);
    EXPECT_EQ(tool_class(annotated(false, false)), kWriteTools);
    EXPECT_EQ(tool_class(annotated(false, true)), kDeleteTools);
    // MCP's defaults (destructiveHint true) put an unannotated tool in the most guarded class.
    EXPECT_EQ(tool_class(catalog::Annotations{}), kDeleteTools);
}

TEST(ToolScopes, TheServedToolsNeedTheScopeTheirEffectSuggests) {
    const auto definitions = catalog::load_definitions(catalog::embedded_assets());
    int seen = 0;
    for (const auto& tool : definitions.tools) {
        if (tool.name == "list-secrets" || tool.name == "get-jwt") {
            EXPECT_EQ(tool_class(tool.annotations), kReadTools) << tool.name;
            ++seen;
        } else if (tool.name == "create-secret" || tool.name == "grant-service-token-access") {
            EXPECT_EQ(tool_class(tool.annotations), kWriteTools) << tool.name;
            ++seen;
        } else if (tool.name == "delete-secret" || tool.name == "delete-service-token") {
            EXPECT_EQ(tool_class(tool.annotations), kDeleteTools) << tool.name;
            ++seen;
        }
    }
    EXPECT_EQ(seen, 6);
}

TEST(ToolScopes, ScopesGrantTheirClassesAndUnknownScopesGrantNothing) {
    EXPECT_EQ(classes_granted({}), 0U);
    EXPECT_EQ(classes_granted({"credentials:read"}), static_cast<unsigned>(kReadTools));
    EXPECT_EQ(classes_granted({"credentials:read", "credentials:write"}), kReadTools | kWriteTools);
    EXPECT_EQ(classes_granted({"openid", "credentials:delete", "profile"}),
              static_cast<unsigned>(kDeleteTools));
    EXPECT_EQ(classes_granted({"credentials:read", "credentials:read"}),
              static_cast<unsigned>(kReadTools));
    // Scopes are compared exactly: no case folding, no prefixes, no wildcards, and a token's
    // space-separated `scope` must have been split before.
    EXPECT_EQ(classes_granted({"CREDENTIALS:READ", "credentials", "credentials:*",
                               "credentials:read credentials:write", "credentials:readonly"}),
              0U);
}

TEST(ToolScopes, ScopesForNamesTheScopesInAFixedOrderAndRoundTrips) {
    EXPECT_EQ(scopes_for(0), "");
    EXPECT_EQ(scopes_for(kDeleteTools | kReadTools), "credentials:read credentials:delete");
    EXPECT_EQ(scopes_for(kAllToolClasses), "credentials:read credentials:write credentials:delete");
    for (unsigned classes = 0; classes <= kAllToolClasses; ++classes) {
        EXPECT_EQ(classes_granted(words(scopes_for(classes))), classes) << classes;
    }
}

}  // namespace
}  // namespace cmcp::identity

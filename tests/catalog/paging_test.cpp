// Results of list tools (issue #5): content[1] says plainly whether more pages exist and how to
// get the next one, for Scaleway-style (total_count) and PlanetScale-style (next_page) pages;
// results over the size limit are cut to the leading items that fit, with exact advice on how to
// get the rest, and still validate against the tool's output schema; other results over the
// limit become an error.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "catalog/call_result.hpp"
#include "catalog/definition_loader.hpp"
#include "catalog_test_support.hpp"
#include "support/logging.hpp"
#include "testing/fakes.hpp"
#include "testing/json.hpp"

namespace cmcp::catalog::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::size_t kDefaultLimit = 64 * 1024;

const Catalog& catalog() {
    return cmcp::testing::embedded_catalog();
}

std::string uuid(std::string_view prefix, int index) {
    char tail[16];
    std::snprintf(tail, sizeof tail, "%012d", index);
    return std::string(prefix) + tail;
}

// A Secret Manager secret as the API returns it; `name` may hold any UTF-8.
json::object secret(int index, std::string name = {}) {
    auto item = cmcp::testing::parse_object(R"({
      "project_id": "7a9e2f4c-1b3d-4e5f-8a6b-9c0d1e2f3a4b", "status": "ready",
      "created_at": "2026-07-14T08:00:00.000000Z", "updated_at": "2026-08-20T16:45:10.512341Z",
      "tags": ["prod", "postgres"], "version_count": 3, "description": null, "managed": false,
      "protected": false, "type": "opaque", "path": "/", "ephemeral_policy": null,
      "used_by": [], "deletion_requested_at": null, "key_id": null, "region": "fr-par"})");
    item["id"] = uuid("b2c6f3a0-4d1e-4c8f-9a7b-", index);
    item["name"] = name.empty() ? "secret-" + std::to_string(index) : std::move(name);
    return item;
}

json::array secrets(int first, int count) {
    json::array out;
    for (int i = first; i < first + count; ++i) {
        out.push_back(secret(i));
    }
    return out;
}

json::object scaleway_page(std::string_view key, json::array items,
                           std::optional<std::int64_t> total) {
    json::object page;
    page[key] = std::move(items);
    if (total) {
        page["total_count"] = *total;
    }
    return page;
}

json::object service_token(int index) {
    auto token = cmcp::testing::parse_object(R"({
      "name": "ci", "display_name": "ci", "token": null, "plain_text_refresh_token": null,
      "avatar_url": "https://app.planetscale.com/gravatar-fallback.png",
      "created_at": "2026-05-02T11:20:33.000Z", "updated_at": "2026-05-02T11:20:33.000Z",
      "expires_at": null, "last_used_at": null, "actor_id": "k2c8d0f4e6a1",
      "actor_display_name": "ci", "actor_type": "ServiceToken", "service_token_accesses": [],
      "oauth_accesses_by_resource": null})");
    char id[16];
    std::snprintf(id, sizeof id, "tok%09d", index);
    token["id"] = id;
    return token;
}

// A PlanetScale list page: next_page is null on the last page; total_count may be left out.
json::object planetscale_page(std::int64_t page, std::int64_t per_page, int first, int count,
                              std::optional<std::int64_t> next, std::optional<std::int64_t> total) {
    json::array data;
    for (int i = first; i < first + count; ++i) {
        data.push_back(service_token(i));
    }
    json::object out;
    out["type"] = "list";
    out["current_page"] = page;
    out["per_page"] = per_page;
    out["next_page"] = next ? json::value(*next) : json::value(nullptr);
    out["next_page_url"] = nullptr;
    out["prev_page"] = page > 1 ? json::value(page - 1) : json::value(nullptr);
    out["prev_page_url"] = nullptr;
    if (total) {
        out["total_count"] = *total;
        out["total_pages"] = (*total + per_page - 1) / per_page;
    }
    out["data"] = std::move(data);
    return out;
}

PreparedCall prepared(std::string_view tool, std::string_view arguments) {
    auto outcome =
        catalog().prepare(tool_named(catalog(), tool), cmcp::testing::parse_object(arguments));
    if (auto* problem = std::get_if<std::string>(&outcome)) {
        throw std::runtime_error(*problem);
    }
    return std::get<PreparedCall>(std::move(outcome));
}

struct Result {
    json::object result;
    std::string log;

    bool is_error() const { return result.contains("isError"); }
    const json::array& content() const { return result.at("content").as_array(); }
    std::string text() const { return std::string(content().at(0).at("text").as_string()); }
    // content[1], the paging note; "" (and a failure) when there is none.
    std::string hint() const {
        EXPECT_EQ(content().size(), 2U) << json::serialize(result);
        if (content().size() < 2) {
            return {};
        }
        EXPECT_EQ(content().at(1).at("type"), "text");
        return std::string(content().at(1).at("text").as_string());
    }
    const json::object& structured() const { return result.at("structuredContent").as_object(); }
};

Result run(std::string_view tool, std::string_view arguments, std::string body,
           std::size_t limit = kDefaultLimit, bool structured = true) {
    std::ostringstream log;
    const auto logger = make_stream_logger(log);
    Result out;
    out.result = make_call_result(tool_named(catalog(), tool), prepared(tool, arguments),
                                  cmcp::testing::json_response(200, std::move(body)), structured,
                                  limit, logger);
    logger->flush();
    out.log = log.str();
    return out;
}

Result run(std::string_view tool, std::string_view arguments, const json::object& body,
           std::size_t limit = kDefaultLimit, bool structured = true) {
    return run(tool, arguments, json::serialize(body), limit, structured);
}

std::string violations_of(std::string_view tool, const json::value& document) {
    std::string text;
    for (const auto& violation : tool_named(catalog(), tool).output_check->check(document)) {
        text += "\n  at '" + violation.pointer + "': " + violation.message;
    }
    return text;
}

// Checks what every paged success must hold: the JSON text is content[0], structuredContent is
// the (possibly cut) object and equal to it, and it matches the output schema.
void expect_consistent(std::string_view tool, const Result& run_result) {
    ASSERT_FALSE(run_result.is_error()) << json::serialize(run_result.result);
    const auto& structured = run_result.structured();
    EXPECT_EQ(cmcp::testing::parse_json(run_result.text()), json::value(structured));
    EXPECT_EQ(violations_of(tool, structured), "");
    EXPECT_THAT(run_result.log, Not(HasSubstr("does not match the output schema")));
}

constexpr std::string_view kSecretsArgs = R"("region": "fr-par")";

std::string secrets_args(std::string_view more = {}) {
    return "{" + std::string(kSecretsArgs) + (more.empty() ? "" : ", ") + std::string(more) + "}";
}

// ---------------------------------------------------------------------------------------------
// Scaleway: total_count

TEST(PagingHint, FirstOfSeveralPages) {
    const auto body = scaleway_page("secrets", secrets(1, 20), 47);
    const auto result = run("list-secrets", secrets_args(R"("page_size": 20)"), body);
    expect_consistent("list-secrets", result);
    EXPECT_EQ(json::value(result.structured()), json::value(body)) << "structuredContent is as is";
    EXPECT_EQ(result.text(), json::serialize(body)) << "the JSON text is the vendor's";
    EXPECT_EQ(result.hint(),
              "Page 1 of 3: items 1-20 of 47 (secrets). More pages exist: call list-secrets again "
              "with page=2 and the same arguments.");
}

TEST(PagingHint, MiddlePage) {
    const auto result = run("list-secrets", secrets_args(R"("page": 2, "page_size": 20)"),
                            scaleway_page("secrets", secrets(21, 20), 47));
    EXPECT_EQ(result.hint(),
              "Page 2 of 3: items 21-40 of 47 (secrets). More pages exist: call list-secrets "
              "again with page=3 and the same arguments.");
}

TEST(PagingHint, LastPage) {
    const auto result = run("list-secrets", secrets_args(R"("page": 3, "page_size": 20)"),
                            scaleway_page("secrets", secrets(41, 7), 47));
    EXPECT_EQ(result.hint(),
              "Page 3: items 41-47 of 47 (secrets). This is the last page; there are no more "
              "pages.");
}

TEST(PagingHint, LastPageExactlyFull) {
    const auto result = run("list-secrets", secrets_args(R"("page": 2, "page_size": 20)"),
                            scaleway_page("secrets", secrets(21, 20), 40));
    EXPECT_EQ(result.hint(),
              "Page 2: items 21-40 of 40 (secrets). This is the last page; there are no more "
              "pages.");
}

TEST(PagingHint, EverythingOnOnePage) {
    const auto result = run("list-all-tokens", R"({"region": "fr-par"})",
                            cmcp::testing::parse_object(R"({"tokens": [
                                {"id": "0e4b7c12-8f3a-4d6e-b5c9-1a2f3e4d5c6b", "status": "ready"},
                                {"id": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", "status": "ready"}],
                                "total_count": 2})"));
    expect_consistent("list-all-tokens", result);
    EXPECT_EQ(result.hint(), "All 2 items (tokens) are in this result; there are no more pages.");
    const auto one = run("list-jwts", R"({"audience_id": "6170692e-7363-616c-6577-61792e636f6d"})",
                         cmcp::testing::parse_object(
                             R"({"jwts": [{"jti": "5a1e4c2b-9d8f-4e7a-b6c5-3d2e1f0a9b8c"}],
                                 "total_count": 1})"));
    EXPECT_EQ(one.hint(), "The only item (jwts) is in this result; there are no more pages.");
}

TEST(PagingHint, EmptyList) {
    const auto result = run("list-secrets", secrets_args(), scaleway_page("secrets", {}, 0));
    expect_consistent("list-secrets", result);
    EXPECT_EQ(result.hint(), "No items (secrets) are in this result; there are no more pages.");
}

TEST(PagingHint, EmptyPagePastTheEnd) {
    const auto result = run("list-secrets", secrets_args(R"("page": 9, "page_size": 20)"),
                            scaleway_page("secrets", {}, 47));
    EXPECT_EQ(result.hint(),
              "Page 9 is empty: it is past the last page (there are 47 items (secrets) in all, so "
              "with page_size=20 the last page is page 3). There are no more pages.");
    const auto without_size =
        run("list-secrets", secrets_args(R"("page": 9)"), scaleway_page("secrets", {}, 47));
    EXPECT_EQ(without_size.hint(),
              "Page 9 is empty: it is past the last page (there are 47 items (secrets) in all). "
              "There are no more pages.");
}

TEST(PagingHint, DefaultPageSizeIsInferredFromPageOne) {
    const auto result =
        run("list-secrets", secrets_args(), scaleway_page("secrets", secrets(1, 20), 47));
    EXPECT_EQ(result.hint(),
              "Page 1 of 3: items 1-20 of 47 (secrets). More pages exist: call list-secrets again "
              "with page=2 and the same arguments.");
}

TEST(PagingHint, LaterPageWithoutPageSizeSaysOnlyWhatIsExact) {
    // 20 items on page 3 of 101: a last page would need 40.5 items per earlier page, so pages
    // hold 20 and more follow.
    const auto exact = run("list-secrets", secrets_args(R"("page": 3)"),
                           scaleway_page("secrets", secrets(41, 20), 101));
    EXPECT_EQ(exact.hint(),
              "Page 3 of 6: items 41-60 of 101 (secrets). More pages exist: call list-secrets "
              "again with page=4 and the same arguments.");
    // 20 items on page 2 of 40: these are items 21-40 whatever the default is.
    const auto last = run("list-secrets", secrets_args(R"("page": 2)"),
                          scaleway_page("secrets", secrets(21, 20), 40));
    EXPECT_EQ(last.hint(),
              "Page 2: items 21-40 of 40 (secrets). This is the last page; there are no more "
              "pages.");
    // 20 items on page 2 of 47: pages of 20 (more follow) or a page of 27 and this last page.
    const auto unsure = run("list-secrets", secrets_args(R"("page": 2)"),
                            scaleway_page("secrets", secrets(21, 20), 47));
    EXPECT_EQ(unsure.hint(),
              "Page 2: 20 items, 47 in all (secrets). Whether more pages exist is not certain "
              "because page_size was not given, so the upstream's default page size applies: "
              "call list-secrets again with page=3 and the same arguments; an empty page means "
              "there are no more. To page exactly, start again at page=1 with an explicit "
              "page_size.");
}

TEST(PagingHint, UpstreamPageSizeBelowTheOneAskedFor) {
    const auto result = run("list-secrets", secrets_args(R"("page_size": 500)"),
                            scaleway_page("secrets", secrets(1, 100), 250));
    EXPECT_EQ(result.hint(),
              "Page 1 of 3: items 1-100 of 250 (secrets). More pages exist: call list-secrets "
              "again with page=2 and the same arguments. Note: the upstream returned 100 items, "
              "fewer than page_size=500 asked for, so it pages by 100.");
}

TEST(PagingHint, ResponseWithoutTotal) {
    const auto full = run("list-secrets", secrets_args(R"("page_size": 20)"),
                          scaleway_page("secrets", secrets(1, 20), std::nullopt));
    EXPECT_EQ(full.hint(),
              "Page 1: items 1-20 (secrets). Whether more pages exist is not certain from this "
              "response: call list-secrets again with page=2 and the same arguments; an empty "
              "page means there are no more.");
    const auto short_page = run("list-secrets", secrets_args(R"("page": 2, "page_size": 20)"),
                                scaleway_page("secrets", secrets(21, 5), std::nullopt));
    EXPECT_EQ(short_page.hint(),
              "Page 2: items 21-25 (secrets). This is the last page; there are no more pages.");
}

TEST(PagingHint, JwtsAndFunctionsTokensPageToo) {
    json::array jwts;
    for (int i = 0; i < 10; ++i) {
        jwts.push_back(json::object{{"jti", uuid("5a1e4c2b-9d8f-4e7a-b6c5-", i)}});
    }
    const auto result = run("list-jwts",
                            R"({"audience_id": "6170692e-7363-616c-6577-61792e636f6d", "page": 2,
                                "page_size": 10})",
                            scaleway_page("jwts", std::move(jwts), 35));
    expect_consistent("list-jwts", result);
    EXPECT_EQ(result.hint(),
              "Page 2 of 4: items 11-20 of 35 (jwts). More pages exist: call list-jwts again with "
              "page=3 and the same arguments.");
}

TEST(PagingHint, OnlyForPaginatedToolsAndSuccesses) {
    const auto accesses =
        run("list-service-token-accesses", R"({"organization": "acme", "id": "txhc257pxjuc"})",
            R"({"type": "list", "next_page": null, "prev_page": null, "data": []})");
    EXPECT_EQ(accesses.content().size(), 1U);
    std::ostringstream log;
    const auto failed = make_call_result(
        tool_named(catalog(), "list-secrets"), prepared("list-secrets", secrets_args()),
        cmcp::testing::json_response(403, R"({"message": "denied", "type": "permissions_denied"})"),
        true, kDefaultLimit, make_stream_logger(log));
    EXPECT_EQ(failed.at("content").as_array().size(), 1U);
    // Without structuredContent (older protocol versions) the note is still there.
    const auto legacy = run("list-secrets", secrets_args(R"("page_size": 20)"),
                            scaleway_page("secrets", secrets(1, 20), 47), kDefaultLimit, false);
    EXPECT_FALSE(legacy.result.contains("structuredContent"));
    EXPECT_THAT(legacy.hint(), HasSubstr("More pages exist"));
}

TEST(PagingHint, APageSizeSentByDefaultCounts) {
    // A definition that always sends page_size=20 (sendDefault): the note uses it too.
    auto assets = AssetSet::embedded();
    assets.edit("schemas/scaleway-secret-manager/list-secrets.input.json", [](json::value& schema) {
        schema.at("properties").at("page_size").as_object()["default"] = 20;
    });
    assets.edit("tools/scaleway-secret-manager.json", [](json::value& document) {
        document.at("tools").at(0).at("arguments").as_object()["page_size"] = {
            {"in", "query"}, {"sendDefault", true}};
    });
    const auto view = assets.view();
    const Catalog source(load_definitions(view), CatalogOptions{});
    const auto& tool = tool_named(source, "list-secrets");
    auto call = std::get<PreparedCall>(
        source.prepare(tool, cmcp::testing::parse_object(R"({"region": "fr-par", "page": 2})")));
    ASSERT_FALSE(call.arguments.contains("page_size"));
    std::ostringstream log;
    const auto result =
        make_call_result(tool, call,
                         cmcp::testing::json_response(
                             200, json::serialize(scaleway_page("secrets", secrets(21, 20), 47))),
                         true, kDefaultLimit, make_stream_logger(log));
    EXPECT_EQ(std::string(result.at("content").at(1).at("text").as_string()),
              "Page 2 of 3: items 21-40 of 47 (secrets). More pages exist: call list-secrets "
              "again with page=3 and the same arguments.");
}

// ---------------------------------------------------------------------------------------------
// PlanetScale: next_page decides

constexpr std::string_view kOrg = R"("organization": "acme")";

std::string tokens_args(std::string_view more = {}) {
    return "{" + std::string(kOrg) + (more.empty() ? "" : ", ") + std::string(more) + "}";
}

TEST(PagingHint, PlanetScaleFirstPageWithDefaultPerPage) {
    const auto body = planetscale_page(1, 25, 1, 25, 2, 60);
    const auto result = run("list-service-tokens", tokens_args(), body);
    expect_consistent("list-service-tokens", result);
    EXPECT_EQ(json::value(result.structured()), json::value(body));
    EXPECT_EQ(result.hint(),
              "Page 1 of 3: items 1-25 of 60 (data). More pages exist: call list-service-tokens "
              "again with page=2 and the same arguments.");
}

TEST(PagingHint, PlanetScaleMiddleAndLastPages) {
    const auto middle = run("list-service-tokens", tokens_args(R"("page": 2, "per_page": 10)"),
                            planetscale_page(2, 10, 11, 10, 3, 60));
    EXPECT_EQ(middle.hint(),
              "Page 2 of 6: items 11-20 of 60 (data). More pages exist: call list-service-tokens "
              "again with page=3 and the same arguments.");
    const auto last = run("list-service-tokens", tokens_args(R"("page": 3)"),
                          planetscale_page(3, 25, 51, 10, std::nullopt, 60));
    EXPECT_EQ(last.hint(),
              "Page 3: items 51-60 of 60 (data). This is the last page; there are no more pages.");
}

TEST(PagingHint, PlanetScaleNextPageOverridesTotalCount) {
    // total_count says everything is here, next_page says otherwise: next_page wins.
    const auto more = run("list-service-tokens", tokens_args(R"("per_page": 5)"),
                          planetscale_page(1, 5, 1, 5, 2, 5));
    EXPECT_THAT(more.hint(), HasSubstr("More pages exist: call list-service-tokens again with "
                                       "page=2 and the same arguments."));
    const auto none = run("list-service-tokens", tokens_args(R"("per_page": 5)"),
                          planetscale_page(1, 5, 1, 5, std::nullopt, 60));
    EXPECT_EQ(none.hint(),
              "Page 1: items 1-5 of 60 (data). This is the last page; there are no more pages.");
}

TEST(PagingHint, PlanetScalePastTheEndAndWithoutTotal) {
    const auto past = run("list-service-tokens", tokens_args(R"("page": 9, "per_page": 25)"),
                          planetscale_page(9, 25, 1, 0, std::nullopt, 60));
    EXPECT_EQ(past.hint(),
              "Page 9 is empty: it is past the last page (there are 60 items (data) in all, so "
              "with per_page=25 the last page is page 3). There are no more pages.");
    const auto untotalled = run("list-service-tokens", tokens_args(R"("page": 2)"),
                                planetscale_page(2, 25, 26, 5, std::nullopt, std::nullopt));
    EXPECT_EQ(untotalled.hint(),
              "Page 2: 5 items (data). This is the last page; there are no more pages.");
    const auto next_only = run("list-service-tokens", tokens_args(R"("page": 2)"),
                               planetscale_page(2, 25, 26, 25, 3, std::nullopt));
    EXPECT_EQ(next_only.hint(),
              "Page 2: items 26-50 (data). More pages exist: call list-service-tokens again with "
              "page=3 and the same arguments.");
}

// ---------------------------------------------------------------------------------------------
// Cutting to the size limit

// Size of the JSON text of `body` with only its first `kept` items under `key`.
std::size_t size_with(json::object body, std::string_view key, std::size_t kept) {
    auto& items = body[key].as_array();
    items.resize(kept);
    return json::serialize(body).size();
}

void expect_cut(const Result& result, std::string_view tool, const json::object& body,
                std::string_view key, std::size_t kept, std::size_t limit) {
    expect_consistent(tool, result);
    const auto& structured = result.structured();
    ASSERT_EQ(structured.at(key).as_array().size(), kept);
    json::object expected = body;
    expected[key].as_array().resize(kept);
    EXPECT_EQ(json::value(structured), json::value(expected))
        << "the leading items, the rest of the object unchanged";
    EXPECT_LE(result.text().size(), limit);
    EXPECT_EQ(result.text(), json::serialize(expected));
}

TEST(ResultLimit, CutsToTheLeadingItemsThatFitExactly) {
    const auto body = scaleway_page("secrets", secrets(1, 20), 47);
    const auto full = json::serialize(body).size();
    const auto limit = size_with(body, "secrets", 7);
    const auto result = run("list-secrets", secrets_args(R"("page_size": 20)"), body, limit);
    expect_cut(result, "list-secrets", body, "secrets", 7, limit);
    EXPECT_EQ(result.hint(),
              "This result was cut to fit the size limit: it holds only the first 7 of the 20 "
              "items (secrets) of page 1 (items 1-7 of 47). The full page is " +
                  std::to_string(full) + " bytes of JSON, over the limit of " +
                  std::to_string(limit) +
                  " bytes (set by --max-result-bytes). To get the rest, call list-secrets again "
                  "with page_size=7 and page=2 and the same other arguments, then follow the "
                  "paging notes.");
    EXPECT_THAT(result.log, HasSubstr("tool list-secrets: result of " + std::to_string(full) +
                                      " bytes cut to 7 of 20 items"));
    // One byte less and the seventh item no longer fits.
    const auto tighter = run("list-secrets", secrets_args(R"("page_size": 20)"), body, limit - 1);
    expect_cut(tighter, "list-secrets", body, "secrets", 6, limit - 1);
    EXPECT_THAT(tighter.hint(), HasSubstr("with page_size=6 and page=2 "));
}

TEST(ResultLimit, AResultOfExactlyTheLimitIsNotCut) {
    const auto body = scaleway_page("secrets", secrets(1, 20), 47);
    const auto size = json::serialize(body).size();
    const auto result = run("list-secrets", secrets_args(R"("page_size": 20)"), body, size);
    expect_consistent("list-secrets", result);
    EXPECT_EQ(result.structured().at("secrets").as_array().size(), 20U);
    EXPECT_THAT(result.hint(), HasSubstr("More pages exist"));
    EXPECT_THAT(result.hint(), Not(HasSubstr("cut")));
    const auto one_less = run("list-secrets", secrets_args(R"("page_size": 20)"), body, size - 1);
    EXPECT_EQ(one_less.structured().at("secrets").as_array().size(), 19U);
}

TEST(ResultLimit, CutOnALaterPageGivesTheExactPageForTheRest) {
    // Page 2 of 20 per page, 8 fit: items 21-28 shown; page_size=7, page=5 starts at item 29.
    const auto body = scaleway_page("secrets", secrets(21, 20), 47);
    const auto limit = size_with(body, "secrets", 8);
    const auto result =
        run("list-secrets", secrets_args(R"("page": 2, "page_size": 20)"), body, limit);
    expect_cut(result, "list-secrets", body, "secrets", 8, limit);
    EXPECT_THAT(result.hint(),
                HasSubstr("it holds only the first 8 of the 20 items (secrets) of page 2 (items "
                          "21-28 of 47)"));
    EXPECT_THAT(result.hint(), HasSubstr("To get the rest, call list-secrets again with "
                                         "page_size=7 and page=5 and the same other arguments"));
}

TEST(ResultLimit, CutWhereNoPageStartsRightAfterSaysHowToRestart) {
    // Page 2 of 20 per page, 7 fit: items 21-27 shown. No size from 4 to 7 divides 27.
    const auto body = scaleway_page("secrets", secrets(21, 20), 47);
    const auto limit = size_with(body, "secrets", 7);
    const auto result =
        run("list-secrets", secrets_args(R"("page": 2, "page_size": 20)"), body, limit);
    expect_cut(result, "list-secrets", body, "secrets", 7, limit);
    EXPECT_THAT(result.hint(),
                HasSubstr("No page_size of at most 7 gives a page that starts right after item "
                          "27: call list-secrets again with page_size=7 and page=4 (it starts at "
                          "item 22, so its first 6 items repeat ones shown here), or start again "
                          "at page=1 with page_size=7."));
}

TEST(ResultLimit, CutOnAPageOfUnknownPositionSaysToRestart) {
    const auto body = scaleway_page("secrets", secrets(21, 20), 47);
    const auto limit = size_with(body, "secrets", 5);
    const auto result = run("list-secrets", secrets_args(R"("page": 2)"), body, limit);
    expect_cut(result, "list-secrets", body, "secrets", 5, limit);
    EXPECT_THAT(result.hint(), HasSubstr("of page 2 (5 items of 47). The full page is "));
    EXPECT_THAT(result.hint(),
                HasSubstr("This page's position is not known because page_size was not given; to "
                          "get every item, start again at page=1 with page_size=5 and the same "
                          "other arguments."));
}

TEST(ResultLimit, PlanetScaleCutUsesPerPage) {
    const auto body = planetscale_page(1, 25, 1, 25, 2, 60);
    const auto limit = size_with(body, "data", 10);
    const auto result = run("list-service-tokens", tokens_args(), body, limit);
    expect_cut(result, "list-service-tokens", body, "data", 10, limit);
    EXPECT_THAT(result.hint(),
                HasSubstr("it holds only the first 10 of the 25 items (data) of page 1 (items "
                          "1-10 of 60)"));
    EXPECT_THAT(result.hint(),
                HasSubstr("To get the rest, call list-service-tokens again with per_page=10 and "
                          "page=2 and the same other arguments"));
    // next_page, total_count and the rest stay as the vendor sent them.
    EXPECT_EQ(result.structured().at("next_page"), 2);
    EXPECT_EQ(result.structured().at("total_count"), 60);
}

TEST(ResultLimit, CompactJsonThatFitsIsNotCut) {
    const auto body = scaleway_page("secrets", secrets(1, 20), 47);
    const auto compact = json::serialize(body);
    // The vendor's text, indented: larger than the limit, while its compact form fits.
    const std::string indented = cmcp::catalog::test::pretty_json(json::value(body));
    ASSERT_GT(indented.size(), compact.size());
    const auto result =
        run("list-secrets", secrets_args(R"("page_size": 20)"), indented, compact.size());
    expect_consistent("list-secrets", result);
    EXPECT_EQ(result.text(), compact);
    EXPECT_EQ(result.structured().at("secrets").as_array().size(), 20U);
    EXPECT_THAT(result.hint(), HasSubstr("More pages exist"));
}

bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        std::size_t length = byte < 0x80           ? 1
                             : (byte >> 5) == 0x6  ? 2
                             : (byte >> 4) == 0xE  ? 3
                             : (byte >> 3) == 0x1E ? 4
                                                   : 0;
        if (length == 0 || i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += length;
    }
    return true;
}

TEST(ResultLimit, CutNeverSplitsAValueOrACharacter) {
    json::array items;
    for (int i = 1; i <= 12; ++i) {
        items.push_back(
            secret(i, "clé-日本-🔑-" + std::string(static_cast<std::size_t>(i) * 37, 'x')));
    }
    const auto body = scaleway_page("secrets", std::move(items), 12);
    const auto full = json::serialize(body).size();
    // Every limit between the empty shell plus one item and the full size.
    for (std::size_t limit = size_with(body, "secrets", 1); limit < full; limit += 97) {
        SCOPED_TRACE(limit);
        const auto result = run("list-secrets", secrets_args(), body, limit);
        ASSERT_FALSE(result.is_error());
        const auto text = result.text();
        EXPECT_LE(text.size(), limit);
        EXPECT_TRUE(valid_utf8(text));
        EXPECT_TRUE(valid_utf8(result.hint()));
        const auto kept = result.structured().at("secrets").as_array().size();
        EXPECT_EQ(json::value(result.structured()), cmcp::testing::parse_json(text));
        // As many as fit: one more would not.
        EXPECT_GT(size_with(body, "secrets", kept + 1), limit);
        EXPECT_EQ(size_with(body, "secrets", kept), text.size());
    }
}

TEST(ResultLimit, NotEvenOneItemFitsIsAnError) {
    const auto body = scaleway_page("secrets", secrets(1, 3), 3);
    const auto one = size_with(body, "secrets", 1);
    const auto result = run("list-secrets", secrets_args(), body, one - 1);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.content().size(), 1U);
    EXPECT_FALSE(result.result.contains("structuredContent"));
    EXPECT_EQ(result.text(),
              "Scaleway answered HTTP 200, but the result is " +
                  std::to_string(json::serialize(body).size()) +
                  " bytes of JSON, over the limit of " + std::to_string(one - 1) +
                  " bytes a tool result may have (set by --max-result-bytes). The first item "
                  "(secrets) alone does not fit, so paging cannot make it small enough; the "
                  "operator can raise --max-result-bytes.");
    const auto empty = size_with(body, "secrets", 0);
    const auto shell = run("list-secrets", secrets_args(), body, empty - 1);
    ASSERT_TRUE(shell.is_error());
    EXPECT_THAT(shell.text(),
                HasSubstr("Even without any items (secrets) the response is " +
                          std::to_string(empty) + " bytes, so paging cannot make it small enough"));
}

TEST(ResultLimit, NonPaginatedResultOverTheLimitIsAnError) {
    const auto body = secret(1);
    const auto size = json::serialize(body).size();
    const auto result = run(
        "get-metadata-using-secret-s-id",
        R"({"region": "fr-par", "secret_id": "b2c6f3a0-4d1e-4c8f-9a7b-1e2d3c4b5a69"})", body, 100);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.content().size(), 1U);
    EXPECT_FALSE(result.result.contains("structuredContent"));
    EXPECT_EQ(result.text(),
              "Scaleway answered HTTP 200, but the result is " + std::to_string(size) +
                  " bytes of JSON, over the limit of 100 bytes a tool result may have (set by "
                  "--max-result-bytes). get-metadata-using-secret-s-id does not page, so no other "
                  "call can make the result smaller; the operator can raise --max-result-bytes.");
    EXPECT_THAT(result.log, HasSubstr("exceeds the limit of 100"));
    // The same result within the limit is untouched.
    const auto fits = run(
        "get-metadata-using-secret-s-id",
        R"({"region": "fr-par", "secret_id": "b2c6f3a0-4d1e-4c8f-9a7b-1e2d3c4b5a69"})", body, size);
    EXPECT_FALSE(fits.is_error());
    EXPECT_EQ(fits.content().size(), 1U);
}

TEST(ResultLimit, WriteToolOverTheLimitSaysTheOperationSucceeded) {
    const auto result =
        run("create-secret",
            R"({"region": "fr-par", "project_id": "7a9e2f4c-1b3d-4e5f-8a6b-9c0d1e2f3a4b",
                                "name": "db-password"})",
            secret(1), 64);
    ASSERT_TRUE(result.is_error());
    EXPECT_THAT(result.text(), HasSubstr("over the limit of 64 bytes"));
    EXPECT_THAT(result.text(), HasSubstr("create-secret does not page"));
    EXPECT_THAT(result.text(), HasSubstr("The operation itself succeeded: do not repeat it."));
}

TEST(ResultLimit, ListWithoutPagingArgumentsIsNotCut) {
    // list-service-token-accesses has a data array but takes no paging arguments.
    std::string body = R"({"type": "list", "next_page": null, "prev_page": null, "data": [)";
    for (int i = 0; i < 50; ++i) {
        body += std::string(i == 0 ? "" : ",") +
                R"({"id": "hjqui654yu71", "type": "DatabaseAccess", "access": "read_comment"})";
    }
    body += "]}";
    const auto result = run("list-service-token-accesses",
                            R"({"organization": "acme", "id": "txhc257pxjuc"})", body, 1000);
    ASSERT_TRUE(result.is_error());
    EXPECT_THAT(result.text(), HasSubstr("list-service-token-accesses does not page"));
}

}  // namespace
}  // namespace cmcp::catalog::test

// Issue 5, through the real HTTP client and the sandbox: an agent that only reads the paging
// note (content[1]) of list results reaches every item exactly once, one item per page, and also
// when results are cut to a small size limit.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <regex>
#include <set>

#include "catalog/call_result.hpp"
#include "testing/fakes.hpp"
#include "upstream_stack.hpp"

namespace cmcp::testing {
namespace {

namespace json = boost::json;

std::string block(const json::object& result, std::size_t index) {
    const auto& content = result.at("content").as_array();
    if (content.size() <= index) {
        ADD_FAILURE() << "no content[" << index << "] in " << json::serialize(result);
        return {};
    }
    return std::string(content.at(index).at("text").as_string());
}

std::string query_value(const sandbox::RecordedRequest& request, std::string_view name) {
    for (const auto& [key, value] : request.query) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

struct Walk {
    std::vector<std::string> ids;  // in the order the pages gave them
    std::vector<std::string> notes;
    int calls = 0;
};

// Does what the paging note says until it says there are no more pages: "call again with
// page=N" keeps the other arguments; "page_size=K and page=N" (after a cut) changes the page
// size from then on. `call` takes the paging arguments as a JSON fragment.
Walk follow_notes(const std::function<json::object(const std::string&)>& call,
                  std::string_view items_key, std::string_view size_name, std::int64_t page_size) {
    static const std::regex kNext(R"(again with page=(\d+) and the same arguments)");
    const std::regex resize(std::string(R"(again with )") + std::string(size_name) +
                            R"(=(\d+) and page=(\d+) and the same other arguments)");
    Walk walk;
    std::int64_t page = 1;
    while (walk.calls < 200) {
        const auto result = call(R"("page": )" + std::to_string(page) + R"(, ")" +
                                 std::string(size_name) + R"(": )" + std::to_string(page_size));
        ++walk.calls;
        if (result.contains("isError")) {
            ADD_FAILURE() << json::serialize(result);
            return walk;
        }
        for (const auto& item : result.at("structuredContent").at(items_key).as_array()) {
            walk.ids.emplace_back(item.at("id").as_string());
        }
        const auto note = block(result, 1);
        walk.notes.push_back(note);
        std::smatch match;
        if (std::regex_search(note, match, resize)) {
            page_size = std::stoll(match[1]);
            page = std::stoll(match[2]);
        } else if (std::regex_search(note, match, kNext)) {
            page = std::stoll(match[1]);
        } else {
            EXPECT_NE(note.find("there are no more pages"), std::string::npos) << note;
            return walk;
        }
    }
    ADD_FAILURE() << "the notes never said the list ended";
    return walk;
}

std::vector<std::string> ids_of(const json::object& result, std::string_view key) {
    std::vector<std::string> ids;
    for (const auto& item : result.at("structuredContent").at(key).as_array()) {
        ids.emplace_back(item.at("id").as_string());
    }
    return ids;
}

TEST(PagingOverHttp, SecretsOneByOneFollowingTheNotes) {
    UpstreamStack stack;
    for (int i = 0; i < 4; ++i) {
        const auto created =
            stack.call("create-secret", R"({"name": "paging-)" + std::to_string(i) + "\"}");
        ASSERT_FALSE(created.contains("isError")) << json::serialize(created);
    }
    const auto everything = stack.call("list-secrets", R"({"page_size": 100})");
    const auto total = everything.at("structuredContent").at("total_count").as_int64();
    ASSERT_GE(total, 5);
    EXPECT_EQ(block(everything, 1), "All " + std::to_string(total) +
                                        " items (secrets) are in this result; there are no more "
                                        "pages.");

    const auto walk = follow_notes(
        [&](const std::string& paging) {
            auto result = stack.call("list-secrets", "{" + paging + "}");
            const auto& request = stack.last_request();
            EXPECT_EQ(query_value(request, "page_size"), "1");
            EXPECT_FALSE(query_value(request, "page").empty());
            return result;
        },
        "secrets", "page_size", 1);
    EXPECT_EQ(walk.calls, total);
    EXPECT_EQ(walk.ids, ids_of(everything, "secrets")) << "every secret once, in order";
    ASSERT_FALSE(walk.notes.empty());
    const auto t = std::to_string(total);
    EXPECT_EQ(walk.notes.front(), "Page 1 of " + t + ": item 1 of " + t +
                                      " (secrets). More pages exist: call list-secrets again with "
                                      "page=2 and the same arguments.");
    EXPECT_EQ(walk.notes.back(), "Page " + t + ": item " + t + " of " + t +
                                     " (secrets). This is the last page; there are no more pages.");

    const auto past = stack.call("list-secrets", R"({"page": 99, "page_size": 1})");
    EXPECT_EQ(block(past, 1), "Page 99 is empty: it is past the last page (there are " + t +
                                  " items (secrets) in all, so with page_size=1 the last page is "
                                  "page " +
                                  t + "). There are no more pages.");
}

TEST(PagingOverHttp, ServiceTokensOneByOneFollowingNextPage) {
    UpstreamStack stack;
    for (int i = 0; i < 3; ++i) {
        const auto created =
            stack.call("create-service-token", R"({"name": "paging-)" + std::to_string(i) + "\"}");
        ASSERT_FALSE(created.contains("isError")) << json::serialize(created);
    }
    const auto everything = stack.call("list-service-tokens", "{}");
    const auto total = everything.at("structuredContent").at("total_count").as_int64();
    ASSERT_GE(total, 4);
    const auto walk = follow_notes(
        [&](const std::string& paging) {
            auto result = stack.call("list-service-tokens", "{" + paging + "}");
            EXPECT_EQ(query_value(stack.last_request(), "per_page"), "1");
            return result;
        },
        "data", "per_page", 1);
    EXPECT_EQ(walk.calls, total);
    EXPECT_EQ(walk.ids, ids_of(everything, "data"));
    EXPECT_NE(walk.notes.back().find("This is the last page"), std::string::npos);
}

// The server minus the Session, with a Catalog built for a small result limit: the sandbox, the
// real HTTP client, and make_call_result with the Catalog's max_result_bytes.
class SmallLimitStack {
  public:
    explicit SmallLimitStack(std::size_t max_result_bytes)
        : logger_(make_stream_logger(log_, LogLevel::debug)) {
        sandbox::Options sandbox_options;
        sandbox_options.scaleway_secret_key = std::string(kScalewayKey);
        sandbox_options.planetscale_authorization = std::string(kPlanetscaleAuthorization);
        sandbox_ = std::make_unique<sandbox::Sandbox>(sandbox_options);
        catalog::CatalogOptions options;
        const auto& demo = sandbox_->demo();
        options.defaults = {{"scaleway.region", demo.region},
                            {"scaleway.project_id", demo.project_id},
                            {"scaleway.organization_id", demo.organization_id},
                            {"planetscale.organization", demo.planetscale_organization}};
        options.max_result_bytes = max_result_bytes;
        max_result_bytes_ = max_result_bytes;
        catalog_ = std::make_unique<catalog::Catalog>(catalog::Catalog::from_embedded(options));
        upstream::HttpUpstreamOptions http;
        http.scaleway_base_url = sandbox_->base_url();
        http.planetscale_base_url = sandbox_->base_url();
        upstream::Credentials credentials;
        credentials.scaleway_secret_key = std::string(kScalewayKey);
        credentials.planetscale_authorization = std::string(kPlanetscaleAuthorization);
        upstream_ = std::make_unique<upstream::HttpUpstream>(http, credentials, logger_);
    }

    json::object call(std::string_view name, std::string_view arguments) {
        const auto* tool = catalog_->find(name);
        if (tool == nullptr) {
            throw std::runtime_error("no tool " + std::string(name));
        }
        auto prepared = catalog_->prepare(*tool, json::parse(arguments).as_object());
        if (const auto* problem = std::get_if<std::string>(&prepared)) {
            throw std::runtime_error(*problem);
        }
        const auto& call = std::get<catalog::PreparedCall>(prepared);
        upstream::CallControl control;
        const auto outcome = send_now(*upstream_, call.request, control);
        return catalog::make_call_result(*tool, call, outcome, true, max_result_bytes_, logger_);
    }

    const catalog::Tool& tool(std::string_view name) const { return *catalog_->find(name); }
    const sandbox::DemoData& demo() const { return sandbox_->demo(); }
    std::string logs() const { return log_.str(); }

  private:
    std::size_t max_result_bytes_ = 0;  // as given to the Catalog
    std::ostringstream log_;
    Logger logger_;
    std::unique_ptr<sandbox::Sandbox> sandbox_;
    std::unique_ptr<catalog::Catalog> catalog_;
    std::unique_ptr<upstream::HttpUpstream> upstream_;
};

TEST(PagingOverHttp, CutResultsTellHowToGetTheRest) {
    constexpr std::size_t kLimit = 3000;
    SmallLimitStack stack(kLimit);
    // Secrets of about 900 bytes each: three fit in the limit, a page of ten does not.
    for (int i = 0; i < 9; ++i) {
        const auto created = stack.call(
            "create-secret", R"({"name": "bulky-)" + std::to_string(i) + R"(", "description": ")" +
                                 std::string(500, static_cast<char>('a' + i)) + "\"}");
        ASSERT_FALSE(created.contains("isError")) << json::serialize(created);
    }
    // The first page of ten, cut.
    const auto first = stack.call("list-secrets", R"({"page_size": 10})");
    ASSERT_FALSE(first.contains("isError")) << json::serialize(first);
    const auto text = block(first, 0);
    EXPECT_LE(text.size(), kLimit);
    const auto& structured = first.at("structuredContent").as_object();
    EXPECT_EQ(json::parse(text), json::value(structured));
    const auto shown = structured.at("secrets").as_array().size();
    ASSERT_GE(shown, 1U);
    ASSERT_LT(shown, 10U);
    const auto total = structured.at("total_count").as_int64();
    ASSERT_GE(total, 11);
    EXPECT_TRUE(stack.tool("list-secrets").output_check->check(json::value(structured)).empty());
    const auto note = block(first, 1);
    const auto k = std::to_string(shown);
    EXPECT_NE(note.find("This result was cut to fit the size limit: it holds only the first " + k +
                        " of the 10 items (secrets) of page 1 (items 1-" + k + " of " +
                        std::to_string(total) + ")"),
              std::string::npos)
        << note;
    EXPECT_NE(note.find("over the limit of 3000 bytes (set by --max-result-bytes). To get the "
                        "rest, call list-secrets again with page_size=" +
                        k + " and page=2 and the same other arguments"),
              std::string::npos)
        << note;
    EXPECT_NE(stack.logs().find("tool list-secrets: result of"), std::string::npos);

    // Following the notes from there reaches every secret exactly once, each page within the
    // limit.
    Walk walk = follow_notes(
        [&](const std::string& paging) {
            auto result = stack.call("list-secrets", "{" + paging + "}");
            EXPECT_LE(block(result, 0).size(), kLimit);
            return result;
        },
        "secrets", "page_size", 10);
    std::set<std::string> unique(walk.ids.begin(), walk.ids.end());
    EXPECT_EQ(unique.size(), walk.ids.size()) << "no secret twice";
    EXPECT_EQ(static_cast<std::int64_t>(walk.ids.size()), total);

    // A non-paginated result over the limit is an error that says so.
    const auto secret = stack.call("get-metadata-using-secret-s-id",
                                   R"({"secret_id": ")" + stack.demo().secret_id + "\"}");
    ASSERT_FALSE(secret.contains("isError")) << json::serialize(secret);
    SmallLimitStack tight(200);
    const auto over = tight.call("get-metadata-using-secret-s-id",
                                 R"({"secret_id": ")" + tight.demo().secret_id + "\"}");
    ASSERT_TRUE(over.contains("isError"));
    EXPECT_FALSE(over.contains("structuredContent"));
    const auto message = block(over, 0);
    EXPECT_NE(message.find("Scaleway answered HTTP 200, but the result is "), std::string::npos)
        << message;
    EXPECT_NE(message.find("over the limit of 200 bytes a tool result may have (set by "
                           "--max-result-bytes). get-metadata-using-secret-s-id does not page"),
              std::string::npos)
        << message;
}

}  // namespace
}  // namespace cmcp::testing

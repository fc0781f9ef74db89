#include "upstream/base_url.hpp"

#include <gtest/gtest.h>

namespace cmcp::upstream {
namespace {

BaseUrl parsed(std::string_view url) {
    auto result = parse_base_url(url);
    if (const auto* problem = std::get_if<std::string>(&result)) {
        ADD_FAILURE() << url << ": " << *problem;
        return {};
    }
    return std::get<BaseUrl>(result);
}

std::string problem(std::string_view url) {
    auto result = parse_base_url(url);
    const auto* text = std::get_if<std::string>(&result);
    return text == nullptr ? std::string() : *text;
}

TEST(BaseUrl, VendorDefaults) {
    const auto scaleway = parsed("https://api.scaleway.com");
    EXPECT_TRUE(scaleway.https);
    EXPECT_EQ(scaleway.host, "api.scaleway.com");
    EXPECT_EQ(scaleway.port, 443);
    EXPECT_EQ(scaleway.path_prefix, "");
    EXPECT_EQ(scaleway.host_and_port(), "api.scaleway.com:443");
    EXPECT_EQ(scaleway.host_header(), "api.scaleway.com");
}

TEST(BaseUrl, PortPathAndCase) {
    const auto url = parsed("HTTP://LocalHost:8080/proxy/scaleway/");
    EXPECT_FALSE(url.https);
    EXPECT_EQ(url.host, "localhost");
    EXPECT_EQ(url.port, 8080);
    EXPECT_EQ(url.path_prefix, "/proxy/scaleway");
    EXPECT_EQ(parsed("http://127.0.0.1").port, 80);
    EXPECT_EQ(parsed("https://example.com/").path_prefix, "");
}

TEST(BaseUrl, Ipv6Literal) {
    const auto url = parsed("http://[::1]:9000");
    EXPECT_EQ(url.host, "::1");
    EXPECT_EQ(url.port, 9000);
    EXPECT_EQ(url.host_and_port(), "[::1]:9000");
    EXPECT_EQ(url.host_header(), "[::1]:9000");
    EXPECT_EQ(parsed("http://[::1]").host_header(), "[::1]");
    EXPECT_EQ(parsed("https://example.com:443").host_header(), "example.com");
    EXPECT_EQ(parsed("http://example.com:443").host_header(), "example.com:443");
}

TEST(BaseUrl, SameOrigin) {
    EXPECT_TRUE(parsed("http://h:1/a").same_origin(parsed("http://h:1/b")));
    EXPECT_FALSE(parsed("http://h:1").same_origin(parsed("https://h:1")));
    EXPECT_FALSE(parsed("http://h:1").same_origin(parsed("http://h:2")));
}

TEST(BaseUrl, RejectsMalformedUrls) {
    EXPECT_NE(problem("api.scaleway.com"), "");
    EXPECT_NE(problem("ftp://api.scaleway.com"), "");
    EXPECT_NE(problem("https://"), "");
    EXPECT_NE(problem("https://:443"), "");
    EXPECT_NE(problem("https://host:"), "");
    EXPECT_NE(problem("https://host:0"), "");
    EXPECT_NE(problem("https://host:65536"), "");
    EXPECT_NE(problem("https://host:12x"), "");
    EXPECT_NE(problem("https://ho st"), "");
    EXPECT_NE(problem("https://host/a b"), "");
    EXPECT_NE(problem("https://host/?q=1"), "");
    EXPECT_NE(problem("https://host#frag"), "");
    EXPECT_NE(problem("https://[::1"), "");
    EXPECT_NE(problem("https://[zz]"), "");
}

TEST(BaseUrl, UserInformationIsRejectedWithoutRepeatingIt) {
    const auto text = problem("https://user:hunter2@api.scaleway.com");
    EXPECT_NE(text, "");
    EXPECT_EQ(text.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace cmcp::upstream

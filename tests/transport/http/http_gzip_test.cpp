// gzip answers: the tools/list compressed once, completed per request, and Accept-Encoding.
#include <gtest/gtest.h>

#include <boost/beast/zlib/error.hpp>
#include <boost/beast/zlib/inflate_stream.hpp>
#include <boost/crc.hpp>
#include <boost/json.hpp>
#include <stdexcept>
#include <string>

#include "server_harness.hpp"
#include "test_client.hpp"
#include "transport/http/gzip.hpp"

namespace cmcp::transport::http {
namespace {

namespace json = boost::json;
namespace zlib = boost::beast::zlib;
using test_support::McpClient;
using test_support::ServerHarness;

std::uint32_t le32(std::string_view bytes) {
    std::uint32_t value = 0;
    for (int i = 3; i >= 0; --i) {
        value = (value << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    }
    return value;
}

// Inflates one gzip member as a client would, checking the header, that the deflate data ends
// exactly before the trailer, the CRC-32 and the size; throws if anything is off.
std::string gunzip(std::string_view member) {
    constexpr std::size_t kHeader = 10;
    constexpr std::size_t kTrailer = 8;
    if (member.size() < kHeader + kTrailer || static_cast<unsigned char>(member[0]) != 0x1f ||
        static_cast<unsigned char>(member[1]) != 0x8b || member[2] != 8 || member[3] != 0) {
        throw std::runtime_error("not a gzip member (or one with optional fields)");
    }
    const auto deflated = member.substr(kHeader, member.size() - kHeader - kTrailer);
    zlib::inflate_stream inflater;
    inflater.reset(15);
    std::string out(1 << 16, '\0');
    zlib::z_params stream{};
    stream.next_in = deflated.data();
    stream.avail_in = deflated.size();
    stream.next_out = out.data();
    stream.avail_out = out.size();
    for (;;) {
        boost::beast::error_code ec;
        inflater.write(stream, zlib::Flush::none, ec);
        if (ec == zlib::error::end_of_stream) {
            break;
        }
        if (ec && ec != zlib::error::need_buffers) {
            throw std::runtime_error("inflate: " + ec.message());
        }
        if (stream.avail_out == 0) {
            const auto used = out.size();
            out.resize(out.size() * 2);
            stream.next_out = out.data() + used;
            stream.avail_out = out.size() - used;
        } else if (stream.avail_in == 0) {
            throw std::runtime_error("the deflate data ends without a final block");
        }
    }
    if (stream.avail_in != 0) {
        throw std::runtime_error("bytes between the final block and the trailer");
    }
    out.resize(stream.total_out);
    boost::crc_32_type crc;
    crc.process_bytes(out.data(), out.size());
    const auto trailer = member.substr(member.size() - kTrailer);
    if (le32(trailer) != crc.checksum() ||
        le32(trailer.substr(4)) != static_cast<std::uint32_t>(out.size())) {
        throw std::runtime_error("CRC-32 or size does not match");
    }
    return out;
}

std::string sample_prefix() {
    std::string text = R"({"jsonrpc":"2.0","result":{"tools":[)";
    for (int i = 0; i < 500; ++i) {
        text += R"({"name":"tool-)" + std::to_string(i) +
                R"(","inputSchema":{"type":"object","properties":{"region":{"type":"string"}}}},)";
    }
    text += "{}]}";
    return text;
}

TEST(GzipPrefix, EachMemberInflatesToThePrefixAndItsTail) {
    const auto prefix = sample_prefix();
    const GzipPrefix gzip(prefix);
    EXPECT_LT(gzip.head().size(), prefix.size() / 4);
    for (const std::string tail : {R"(,"id":1})", R"(,"id":"a-much-longer-string-id"})"}) {
        const auto member = gzip.head() + gzip.finish(tail);
        EXPECT_EQ(gunzip(member), prefix + tail) << tail;
    }
}

TEST(GzipPrefix, EmptyAndLongTails) {
    const std::string prefix = "constant";
    const GzipPrefix gzip(prefix);
    EXPECT_EQ(gunzip(gzip.head() + gzip.finish("")), prefix);
    // A stored block holds at most 65535 bytes: longer tails take several.
    for (const std::size_t size : {65535U, 65536U, 200000U}) {
        const std::string tail(size, 'x');
        EXPECT_EQ(gunzip(gzip.head() + gzip.finish(tail)), prefix + tail) << size;
    }
}

TEST(AcceptEncoding, GzipIsAcceptedWhenListedWithAPositiveWeightOrByWildcard) {
    for (const auto* accepted :
         {"gzip", "gzip, deflate", "GZip", " gzip ", "x-gzip", "deflate, gzip;q=0.5",
          "gzip;q=0.001", "gzip; q=1.000", "gzip;Q=1", "*", "identity, *;q=0.3", "br,gzip"}) {
        EXPECT_TRUE(accepts_gzip(accepted)) << accepted;
    }
    for (const auto* refused :
         {"", "deflate", "br, identity", "gzip;q=0", "gzip; q=0.000", "*;q=0", "gzip;q=0, *",
          "gzip;q=2", "gzip;q=0.1234", "gzip;level=9", "gzipx", ",,,"}) {
        EXPECT_FALSE(accepts_gzip(refused)) << refused;
    }
}

class HttpGzip : public ::testing::Test {
  protected:
    HttpGzip() : client(server.port()) { client.initialize(); }
    ServerHarness server;
    McpClient client;
};

constexpr auto kToolsList = R"({"jsonrpc":"2.0","id":"list-1","method":"tools/list"})";

TEST_F(HttpGzip, ToolsListIsCompressedForClientsThatAcceptGzip) {
    const auto plain = client.post(kToolsList);
    ASSERT_EQ(plain.status, 200);
    EXPECT_FALSE(plain.has_header("Content-Encoding"));
    EXPECT_EQ(plain.header("Vary"), "Accept-Encoding");
    const auto expected = plain.json();
    EXPECT_EQ(expected.at("result").at("tools").as_array().size(), 23U);

    // What the official SDK clients send.
    const auto compressed = client.post(kToolsList, {{"Accept-Encoding", "gzip, deflate"}});
    ASSERT_EQ(compressed.status, 200);
    EXPECT_EQ(compressed.header("Content-Encoding"), "gzip");
    EXPECT_EQ(compressed.header("Vary"), "Accept-Encoding");
    EXPECT_EQ(compressed.header("Content-Length"), std::to_string(compressed.body.size()));
    EXPECT_LT(compressed.body.size(), plain.body.size() / 4);
    EXPECT_EQ(json::parse(gunzip(compressed.body)), expected);

    // Every request completes the same compressed start with its own id.
    const auto other = client.post(R"({"jsonrpc":"2.0","id":42,"method":"tools/list"})",
                                   {{"Accept-Encoding", "gzip"}});
    const auto inflated = json::parse(gunzip(other.body));
    EXPECT_EQ(inflated.at("id").as_int64(), 42);
    EXPECT_EQ(inflated.at("result"), expected.at("result"));
}

TEST_F(HttpGzip, RefusedGzipAndOtherAnswersStayUncompressed) {
    const auto refused = client.post(kToolsList, {{"Accept-Encoding", "gzip;q=0, identity"}});
    ASSERT_EQ(refused.status, 200);
    EXPECT_FALSE(refused.has_header("Content-Encoding"));
    EXPECT_EQ(refused.json().at("result").at("tools").as_array().size(), 23U);

    const auto ping =
        client.post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", {{"Accept-Encoding", "gzip"}});
    ASSERT_EQ(ping.status, 200);
    EXPECT_FALSE(ping.has_header("Content-Encoding"));
    EXPECT_TRUE(ping.json().at("result").as_object().empty());
}

}  // namespace
}  // namespace cmcp::transport::http

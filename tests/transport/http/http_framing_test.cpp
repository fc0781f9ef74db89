// Request framing (RFC 9112 §3.2, §6): requests that a proxy in front could frame differently
// from this server (request smuggling) are refused, and the connection is closed.
#include <gtest/gtest.h>

#include <sstream>

#include "server_harness.hpp"
#include "test_client.hpp"

namespace cmcp::transport::http {
namespace {

using namespace std::chrono_literals;
using test_support::initialize_body;
using test_support::RawConnection;
using test_support::ServerHarness;

// Would be answered 200 if the refused request's body were taken for a request of its own.
constexpr std::string_view kSmuggled = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";

std::string chunked(std::string_view data) {
    std::ostringstream out;
    out << std::hex << data.size() << "\r\n" << data << "\r\n0\r\n\r\n";
    return out.str();
}

// Sends `request`, then kSmuggled; expects `status` for the first, then the connection closed
// with nothing more said.
void expect_refused_and_closed(unsigned short port, const std::string& request, int status) {
    RawConnection raw(port);
    raw.write(request + std::string(kSmuggled));
    const auto reply = raw.read_response();
    EXPECT_EQ(reply.status, status) << request;
    EXPECT_EQ(reply.header("Connection"), "close") << request;
    EXPECT_TRUE(raw.closed_within(3s)) << request;
    EXPECT_EQ(raw.received().find("HTTP/1.1"), std::string::npos)
        << "a second answer to: " << request << "\n"
        << raw.received();
}

TEST(HttpFraming, TransferEncodingNotEndingInChunkedIs400AndCloses) {
    ServerHarness server;
    // What the review reproduced: the body used to be answered as a request of its own.
    expect_refused_and_closed(
        server.port(),
        "POST /healthz HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n", 400);
    for (const auto* codings : {"gzip", "chunked, gzip", "chunked, chunked", "identity", ""}) {
        expect_refused_and_closed(server.port(),
                                  "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                                  "application/json\r\nAccept: application/json, "
                                  "text/event-stream\r\nTransfer-Encoding: " +
                                      std::string(codings) + "\r\n\r\n",
                                  400);
    }
    // Transfer-Encoding overrides Content-Length, in whichever order they come.
    expect_refused_and_closed(server.port(),
                              "POST /mcp HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n"
                              "Content-Length: 5\r\n\r\nhello",
                              400);
    expect_refused_and_closed(server.port(),
                              "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                              "Transfer-Encoding: gzip\r\n\r\nhello",
                              400);
    // HTTP/1.0 knows no Transfer-Encoding: faulty framing too (RFC 9112 §6.1).
    expect_refused_and_closed(
        server.port(), "POST /mcp HTTP/1.0\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n",
        400);
    // The error body is the transport's JSON-RPC error.
    RawConnection raw(server.port());
    raw.write("POST /mcp HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n");
    const auto reply = raw.read_response();
    EXPECT_EQ(reply.header("Content-Type"), "application/json");
    EXPECT_EQ(reply.json().at("error").at("code").as_int64(), -32000);
}

// "gzip, chunked" is framed correctly (the parser reads the chunks), but the body would be gzip
// data this server does not decode: 501 (RFC 9112 §6.1), without reading the body, then close.
TEST(HttpFraming, TransferCodingsBeforeChunkedAre501AndClose) {
    ServerHarness server;
    for (const auto* codings : {"gzip, chunked", "deflate,chunked", "identity, chunked"}) {
        expect_refused_and_closed(server.port(),
                                  "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                                  "application/json\r\nAccept: application/json, "
                                  "text/event-stream\r\nTransfer-Encoding: " +
                                      std::string(codings) + "\r\n\r\n" +
                                      chunked("\x1f\x8b\x08\x00 not really gzip"),
                                  501);
    }
    // The same codings over two header lines.
    expect_refused_and_closed(server.port(),
                              "POST /mcp HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n" +
                                  chunked("x"),
                              501);
}

// Refused by the parser already; kept so that a change of parser cannot lose them.
TEST(HttpFraming, ConflictingLengthsAre400AndClose) {
    ServerHarness server;
    for (const auto* lengths : {
             "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
             "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
             "Content-Length: 3\r\nContent-Length: 4\r\n",
             "Content-Length: 3, 4\r\n",
             "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
         }) {
        expect_refused_and_closed(server.port(),
                                  "POST /mcp HTTP/1.1\r\nHost: localhost\r\n" +
                                      std::string(lengths) + "\r\n" + chunked("abc"),
                                  400);
    }
}

TEST(HttpFraming, MissingOrRepeatedHostIs400AndCloses) {
    ServerHarness server;
    // The first Host used to win, whatever the second said.
    expect_refused_and_closed(
        server.port(), "GET /healthz HTTP/1.1\r\nHost: localhost\r\nHost: evil.com\r\n\r\n", 400);
    expect_refused_and_closed(
        server.port(), "GET /healthz HTTP/1.1\r\nHost: evil.com\r\nHost: localhost\r\n\r\n", 400);
    expect_refused_and_closed(
        server.port(), "GET /healthz HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n", 400);
    expect_refused_and_closed(server.port(), "GET /healthz HTTP/1.1\r\n\r\n", 400);
    expect_refused_and_closed(
        server.port(), "GET /healthz HTTP/1.0\r\nHost: localhost\r\nHost: localhost\r\n\r\n", 400);
    // With a body that is not read.
    const auto body = initialize_body();
    expect_refused_and_closed(server.port(),
                              "POST /mcp HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n"
                              "Content-Type: application/json\r\nAccept: application/json, "
                              "text/event-stream\r\nContent-Length: " +
                                  std::to_string(body.size()) + "\r\n\r\n" + body,
                              400);
}

TEST(HttpFraming, ChunkedPostStillWorksAndKeepsTheConnection) {
    ServerHarness server;
    RawConnection raw(server.port());
    const auto body = initialize_body();
    const auto half = body.size() / 2;
    std::ostringstream chunks;
    chunks << std::hex << half << "\r\n"
           << body.substr(0, half) << "\r\n"
           << (body.size() - half) << "\r\n"
           << body.substr(half) << "\r\n0\r\n\r\n";
    raw.write(
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\nTransfer-Encoding: Chunked\r\n\r\n" +
        chunks.str());
    const auto reply = raw.read_response();
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_FALSE(reply.header("Mcp-Session-Id").empty());
    EXPECT_EQ(reply.json().at("result").at("protocolVersion").as_string(), "2025-11-25");
    EXPECT_NE(reply.header("Connection"), "close");
    // Same connection, next request.
    raw.write(kSmuggled);
    EXPECT_EQ(raw.read_response().status, 200);
}

}  // namespace
}  // namespace cmcp::transport::http

#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cmcp::transport::http::test_support {

namespace beast_http = boost::beast::http;

struct HttpReply {
    int status = 0;
    beast_http::fields headers;
    std::string body;

    bool has_header(std::string_view name) const;
    std::string header(std::string_view name) const;
    boost::json::value json() const;
};

// One SSE event as sent by the server.
struct SseEvent {
    std::string id;
    std::string event;
    std::string data;
};
// Splits a complete text/event-stream body into events; throws on anything but
// "field: value" lines and blank separators.
std::vector<SseEvent> parse_sse(std::string_view body);

// A blocking HTTP/1.1 connection with timeouts, for driving the server byte by byte.
class RawConnection {
  public:
    explicit RawConnection(unsigned short port);
    void write(std::string_view bytes);
    void send(const beast_http::request<beast_http::string_body>& request);
    // Reads one whole response (chunked included); throws on error or timeout.
    HttpReply read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // True when the server closes the connection (EOF or reset) within the timeout; data
    // arriving meanwhile is collected into received().
    bool closed_within(std::chrono::milliseconds timeout);
    const std::string& received() const { return received_; }

  private:
    boost::asio::io_context ioc_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::string received_;
};

// Header overrides: an empty value removes a default header.
using Headers = std::vector<std::pair<std::string, std::string>>;

// An MCP client over one keep-alive connection: sends the headers the SDK client sends
// (Host, Accept, Content-Type, Mcp-Session-Id and MCP-Protocol-Version once known).
class McpClient {
  public:
    explicit McpClient(unsigned short port);

    HttpReply post(std::string_view body, const Headers& headers = {});
    HttpReply get(const Headers& headers = {});
    HttpReply del(const Headers& headers = {});
    HttpReply send(beast_http::verb method, std::string_view target, std::string_view body,
                   const Headers& headers = {});
    // initialize (without MCP-Protocol-Version, like the SDK), then notifications/initialized;
    // remembers the session id and the version.
    HttpReply initialize(std::string_view version = "2025-11-25");
    void reconnect();

    std::string session_id;
    std::string protocol_version;  // sent as MCP-Protocol-Version when not empty

  private:
    unsigned short port_;
    std::optional<RawConnection> connection_;
};

std::string initialize_body(std::string_view version = "2025-11-25", int id = 0);
std::string tools_call_body(int id, std::string_view extra_params = "");

}  // namespace cmcp::transport::http::test_support

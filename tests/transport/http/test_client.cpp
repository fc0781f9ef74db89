#include "test_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <stdexcept>

namespace cmcp::transport::http::test_support {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

bool HttpReply::has_header(std::string_view name) const {
    return headers.find(name) != headers.end();
}

std::string HttpReply::header(std::string_view name) const {
    const auto found = headers.find(name);
    return found == headers.end() ? std::string() : std::string(found->value());
}

boost::json::value HttpReply::json() const {
    return boost::json::parse(body);
}

std::vector<SseEvent> parse_sse(std::string_view body) {
    std::vector<SseEvent> events;
    SseEvent current;
    bool open = false;
    while (!body.empty()) {
        const auto newline = body.find('\n');
        if (newline == std::string_view::npos) {
            throw std::runtime_error("SSE body does not end with a newline");
        }
        const auto line = body.substr(0, newline);
        body.remove_prefix(newline + 1);
        if (line.empty()) {
            if (open) {
                events.push_back(std::move(current));
                current = {};
                open = false;
            }
            continue;
        }
        if (line.front() == ':') {
            continue;  // comment
        }
        const auto colon = line.find(": ");
        if (colon == std::string_view::npos) {
            throw std::runtime_error("bad SSE line: " + std::string(line));
        }
        const auto field = line.substr(0, colon);
        const auto value = std::string(line.substr(colon + 2));
        open = true;
        if (field == "id") {
            current.id = value;
        } else if (field == "event") {
            current.event = value;
        } else if (field == "data") {
            current.data += value;
        } else {
            throw std::runtime_error("unexpected SSE field: " + std::string(field));
        }
    }
    if (open) {
        throw std::runtime_error("SSE body ends inside an event");
    }
    return events;
}

RawConnection::RawConnection(unsigned short port) : stream_(ioc_) {
    stream_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
}

void RawConnection::write(std::string_view bytes) {
    net::write(stream_.socket(), net::buffer(bytes.data(), bytes.size()));
}

void RawConnection::send(const beast_http::request<beast_http::string_body>& request) {
    beast_http::write(stream_.socket(), request);
}

HttpReply RawConnection::read_response(std::chrono::milliseconds timeout) {
    beast_http::response_parser<beast_http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    beast::error_code result = net::error::would_block;
    stream_.expires_after(timeout);
    beast_http::async_read(stream_, buffer_, parser,
                           [&](beast::error_code ec, std::size_t) { result = ec; });
    ioc_.restart();
    ioc_.run();
    if (result) {
        throw std::runtime_error("reading the response failed: " + result.message());
    }
    auto message = parser.release();
    HttpReply reply;
    reply.status = message.result_int();
    for (const auto& field : message.base()) {
        reply.headers.insert(field.name_string(), field.value());
    }
    reply.body = std::move(message.body());
    return reply;
}

bool RawConnection::closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    received_ += beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    for (;;) {
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) {
            return false;
        }
        std::array<char, 4096> chunk{};
        beast::error_code result = net::error::would_block;
        std::size_t got = 0;
        stream_.expires_after(left);
        stream_.async_read_some(net::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
            result = ec;
            got = n;
        });
        ioc_.restart();
        ioc_.run();
        received_.append(chunk.data(), got);
        if (result == beast::error::timeout) {
            return false;
        }
        if (result) {
            return true;  // eof or reset
        }
    }
}

McpClient::McpClient(unsigned short port) : port_(port) {
    reconnect();
}

void McpClient::reconnect() {
    connection_.reset();
    connection_.emplace(port_);
}

HttpReply McpClient::send(beast_http::verb method, std::string_view target, std::string_view body,
                          const Headers& headers) {
    beast_http::request<beast_http::string_body> request{method, target, 11};
    request.set(beast_http::field::host, "127.0.0.1:" + std::to_string(port_));
    if (method == beast_http::verb::post) {
        request.set(beast_http::field::accept, "application/json, text/event-stream");
        request.set(beast_http::field::content_type, "application/json");
    } else if (method == beast_http::verb::get) {
        request.set(beast_http::field::accept, "text/event-stream");
    }
    if (!session_id.empty()) {
        request.set("Mcp-Session-Id", session_id);
    }
    if (!protocol_version.empty()) {
        request.set("MCP-Protocol-Version", protocol_version);
    }
    for (const auto& [name, value] : headers) {
        if (value.empty()) {
            request.erase(name);
        } else {
            request.set(name, value);
        }
    }
    request.body() = std::string(body);
    request.prepare_payload();
    connection_->send(request);
    return connection_->read_response();
}

HttpReply McpClient::post(std::string_view body, const Headers& headers) {
    return send(beast_http::verb::post, "/mcp", body, headers);
}

HttpReply McpClient::get(const Headers& headers) {
    return send(beast_http::verb::get, "/mcp", "", headers);
}

HttpReply McpClient::del(const Headers& headers) {
    return send(beast_http::verb::delete_, "/mcp", "", headers);
}

HttpReply McpClient::initialize(std::string_view version) {
    session_id.clear();
    protocol_version.clear();
    auto reply = post(initialize_body(version));
    if (reply.status != 200) {
        return reply;
    }
    session_id = reply.header("Mcp-Session-Id");
    protocol_version = std::string(reply.json().at("result").at("protocolVersion").as_string());
    const auto initialized = post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    if (initialized.status != 202) {
        throw std::runtime_error("notifications/initialized got " +
                                 std::to_string(initialized.status));
    }
    return reply;
}

std::string initialize_body(std::string_view version, int id) {
    return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
           R"(,"method":"initialize","params":{"protocolVersion":")" + std::string(version) +
           R"(","capabilities":{},"clientInfo":{"name":"http-test","version":"1"}}})";
}

std::string tools_call_body(int id, std::string_view extra_params) {
    return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
           R"(,"method":"tools/call","params":{"name":"get-jwt","arguments":{"jti":"abc"})" +
           std::string(extra_params) + "}}";
}

}  // namespace cmcp::transport::http::test_support

#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cmcp::hardening {
// Under AddressSanitizer freed memory sits in a quarantine of up to 256 MiB, so RSS measures
// the sanitizer, not the server: memory bounds are checked in the normal build only.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kMemoryIsMeasurable = false;
#else
inline constexpr bool kMemoryIsMeasurable = true;
#endif
}  // namespace cmcp::hardening

#include "sandbox/sandbox.hpp"

// Helpers for the hardening suite (issue 7): the real binary as a child process, with its logs in
// files (a busy server never blocks on a full stderr pipe), and plain HTTP clients to drive it.
namespace cmcp::hardening {

// Credentials that are unique per test run, so finding one anywhere proves a leak.
struct Canaries {
    std::string scaleway_key;
    std::string planetscale_id;
    std::string planetscale_token;
    std::string bearer_a;
    std::string bearer_b;
    std::string wrong_bearer;  // sent by a hostile client; must not be echoed or logged either

    std::string planetscale_authorization() const {
        return planetscale_id + ":" + planetscale_token;
    }
    std::vector<std::string> all() const;
};
Canaries make_canaries();

// An in-process sandbox that accepts exactly the canary credentials.
std::unique_ptr<sandbox::Sandbox> make_sandbox(const Canaries& canaries, bool record_requests);

// Environment for a non-sandbox server whose upstreams are `upstream_url`, with the canaries as
// its credentials and the sandbox's demo objects as defaults.
std::vector<std::string> upstream_env(const Canaries& canaries, const std::string& upstream_url,
                                      const sandbox::DemoData& demo);

// `credentials-mcp http --listen 127.0.0.1:0 <args>`; returns once it listens.
class ServerProcess {
  public:
    ServerProcess(std::vector<std::string> args, std::vector<std::string> environment);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    int port() const { return port_; }
    pid_t pid() const { return pid_; }
    std::string log() const;  // everything on stderr so far
    std::filesystem::path directory() const { return directory_; }
    bool alive();
    // SIGTERM, then the exit status (exit code, or 128 + signal); nullopt if it did not exit.
    std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // Waits for the process to exit on its own (after a signal the test sent).
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    long rss_kb() const;       // VmRSS
    long peak_rss_kb() const;  // VmHWM
    int open_fds() const;
    // Open TCP sockets whose peer listens on `port` (e.g. pooled upstream connections).
    int sockets_to_port(int port) const;
    int threads() const;

  private:
    std::filesystem::path directory_;
    pid_t pid_ = -1;
    int port_ = 0;
    std::optional<int> status_;
};

struct HttpAnswer {
    int status = -1;  // -1: no response (the error says why)
    std::string body;
    std::string content_type;
    std::string session_id;
    std::string error;
    std::string raw_headers;  // "Name: value\n" lines, to scan for leaks
};

// A well-behaved MCP client over one keep-alive connection.
class McpClient {
  public:
    explicit McpClient(int port, std::string bearer = "",
                       std::chrono::seconds read_timeout = std::chrono::seconds(60));
    HttpAnswer post(const std::string& body, const std::string& session = "",
                    const httplib::Headers& extra = {});
    HttpAnswer get(const std::string& path);
    HttpAnswer end_session(const std::string& session);
    // initialize + notifications/initialized; "" when refused.
    std::string initialize();
    HttpAnswer call(long long id, std::string_view tool, std::string_view arguments,
                    const std::string& session = "");

  private:
    std::string bearer_;
    httplib::Client client_;
};

std::string tools_call(long long id, std::string_view tool, std::string_view arguments);

// The JSON-RPC reply carried by an answer (plain JSON or the last SSE event); nullopt if none.
std::optional<boost::json::object> rpc_reply(const HttpAnswer& answer);
// The CallToolResult of a reply; nullopt when it is a JSON-RPC error or missing.
std::optional<boost::json::object> tool_result(const HttpAnswer& answer);
// The tool names of a tools/list answer, in order; empty when it holds no result.
std::vector<std::string> tool_names(const HttpAnswer& answer);
bool is_error_result(const boost::json::object& result);
std::string result_text(const boost::json::object& result);  // all text blocks, joined

// A raw client socket to 127.0.0.1:port (closed on destruction); writes never raise SIGPIPE.
class RawSocket {
  public:
    explicit RawSocket(int port);
    ~RawSocket();
    RawSocket(RawSocket&& other) noexcept;
    RawSocket& operator=(RawSocket&&) = delete;
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;

    bool valid() const { return fd_ >= 0; }
    bool send(std::string_view bytes);
    // Reads whatever arrives within the timeout, until EOF; returns it.
    std::string read_some(std::chrono::milliseconds timeout);
    // True when the peer closed (EOF or reset) within the timeout.
    bool closed_within(std::chrono::milliseconds timeout);
    void close();
    void abort();  // close with RST

  private:
    int fd_ = -1;
};

std::string read_text_file(const std::filesystem::path& path);
// A duration from the environment (seconds), or the fallback.
std::chrono::seconds seconds_from_env(const char* name, std::chrono::seconds fallback);

}  // namespace cmcp::hardening

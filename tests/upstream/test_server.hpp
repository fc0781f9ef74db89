#pragma once

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace cmcp::upstream::testing {

// What the test server saw of one request.
struct SeenRequest {
    std::string method;
    std::string target;  // as on the request line: path and query, still percent-encoded
    std::string body;
    httplib::Headers headers;  // case-insensitive lookup
    int remote_port = -1;

    bool has_header(const std::string& name) const { return headers.count(name) > 0; }
    std::string header(const std::string& name) const;
    std::size_t header_count(const std::string& name) const { return headers.count(name); }
};

// A real HTTP (or HTTPS) server on 127.0.0.1 and a free port, answering every method and path
// with a scripted handler. Destroy clients first: the server waits for open keep-alive
// connections when it stops.
class TestServer {
  public:
    using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

    explicit TestServer(Handler handler = {});
    // Takes a prepared server (e.g. an httplib::SSLServer).
    TestServer(std::unique_ptr<httplib::Server> server, Handler handler, bool https);
    ~TestServer();
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    std::string base_url() const;
    int port() const { return port_; }
    void set_handler(Handler handler);
    std::vector<SeenRequest> requests() const;
    std::size_t request_count() const;
    std::set<int> remote_ports() const;  // one per TCP connection the client opened

  private:
    void start();

    std::unique_ptr<httplib::Server> server_;
    bool https_ = false;
    int port_ = 0;
    mutable std::mutex mutex_;
    Handler handler_;
    std::vector<SeenRequest> seen_;
    std::thread thread_;
};

// A port on 127.0.0.1 that nothing listens on (bound, then released).
int unused_port();

}  // namespace cmcp::upstream::testing

#include "upstream/test_server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace cmcp::upstream::testing {

std::string SeenRequest::header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

TestServer::TestServer(Handler handler)
    : TestServer(std::make_unique<httplib::Server>(), std::move(handler), false) {}

TestServer::TestServer(std::unique_ptr<httplib::Server> server, Handler handler, bool https)
    : server_(std::move(server)), https_(https), handler_(std::move(handler)) {
    start();
}

void TestServer::start() {
    const auto route = [this](const httplib::Request& request, httplib::Response& response) {
        Handler handler;
        {
            std::lock_guard lock(mutex_);
            seen_.push_back({request.method, request.target, request.body, request.headers,
                             request.remote_port});
            handler = handler_;
        }
        if (handler) {
            handler(request, response);
        } else {
            response.set_content("{}", "application/json");
        }
    };
    server_->Get(".*", route);
    server_->Post(".*", route);
    server_->Put(".*", route);
    server_->Patch(".*", route);
    server_->Delete(".*", route);
    server_->set_keep_alive_max_count(1000);
    // Without it, Nagle's algorithm and delayed ACKs add 40 ms to every reused connection.
    server_->set_tcp_nodelay(true);
    // Bounds how long stopping waits for a client that keeps a connection open.
    server_->set_keep_alive_timeout(1);
    // httplib's default also sets SO_REUSEPORT, which could share a port with another test.
    server_->set_socket_options([](int socket) {
        int yes = 1;
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) {
        throw std::runtime_error("test server: cannot bind");
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

TestServer::~TestServer() {
    server_->stop();
    thread_.join();
}

std::string TestServer::base_url() const {
    return std::string(https_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

void TestServer::set_handler(Handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
}

std::vector<SeenRequest> TestServer::requests() const {
    std::lock_guard lock(mutex_);
    return seen_;
}

std::size_t TestServer::request_count() const {
    std::lock_guard lock(mutex_);
    return seen_.size();
}

std::set<int> TestServer::remote_ports() const {
    std::lock_guard lock(mutex_);
    std::set<int> ports;
    for (const auto& request : seen_) {
        ports.insert(request.remote_port);
    }
    return ports;
}

int unused_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("unused_port: cannot bind");
    }
    const int port = ntohs(address.sin_port);
    ::close(fd);
    return port;
}

}  // namespace cmcp::upstream::testing

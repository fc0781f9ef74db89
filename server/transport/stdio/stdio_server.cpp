#include "transport/stdio/stdio_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <stdexcept>

#include "protocol/jsonrpc.hpp"

namespace cmcp::transport::stdio {
namespace json = boost::json;

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

class StdioExchange final : public protocol::Exchange {
  public:
    explicit StdioExchange(StdioServer& server) : server_(server) {}
    void notify(json::object notification) override { server_.write_message(notification); }
    void finish(std::optional<json::value> reply) override {
        if (reply) {
            server_.write_message(*reply);
        }
    }

  private:
    StdioServer& server_;
};

}  // namespace

StdioServer::StdioServer(const protocol::Services& services, int in_fd, int out_fd,
                         StdioOptions options)
    : services_(services),
      in_fd_(in_fd),
      out_fd_(out_fd),
      options_(options),
      session_(protocol::Session::create(services)) {
    if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
        throw std::runtime_error("cannot create the stdio wake-up pipe");
    }
}

StdioServer::~StdioServer() {
    for (const int fd : wake_pipe_) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

void StdioServer::stop() {
    stopping_ = true;
    const char byte = 1;
    // Best effort: a full pipe already holds a wake-up.
    [[maybe_unused]] const auto written = ::write(wake_pipe_[1], &byte, 1);
}

bool StdioServer::write_message(const json::value& message) {
    std::string line = json::serialize(message);
    line.push_back('\n');
    std::lock_guard lock(write_mutex_);
    if (output_broken_) {
        return false;
    }
    std::size_t offset = 0;
    while (offset < line.size()) {
        const auto written = ::write(out_fd_, line.data() + offset, line.size() - offset);
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                pollfd wait{out_fd_, POLLOUT, 0};
                ::poll(&wait, 1, 1000);
                continue;
            }
            output_broken_ = true;
            services_.logger->error("stdout is closed; stopping");
            stop();
            return false;
        }
        offset += static_cast<std::size_t>(written);
    }
    return true;
}

void StdioServer::handle_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
        return;
    }
    session_->handle_text(line, std::make_shared<StdioExchange>(*this));
}

int StdioServer::run() {
    services_.logger->info("serving MCP on stdio");
    std::string pending;
    bool discarding = false;  // inside a line that exceeded max_message_bytes
    std::array<char, kReadChunk> chunk{};
    while (!stopping_) {
        std::array<pollfd, 2> fds{pollfd{in_fd_, POLLIN, 0}, pollfd{wake_pipe_[0], POLLIN, 0}};
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            services_.logger->error("poll on stdin failed: {}", std::strerror(errno));
            break;
        }
        if (fds[1].revents != 0 || stopping_) {
            break;
        }
        const auto count = ::read(in_fd_, chunk.data(), chunk.size());
        if (count < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            services_.logger->error("reading stdin failed: {}", std::strerror(errno));
            break;
        }
        if (count == 0) {
            services_.logger->info("stdin closed");
            break;
        }
        std::string_view data(chunk.data(), static_cast<std::size_t>(count));
        while (!data.empty()) {
            const auto newline = data.find('\n');
            const auto piece = data.substr(0, newline);
            if (discarding) {
                if (newline != std::string_view::npos) {
                    discarding = false;
                }
            } else if (pending.size() + piece.size() > options_.max_message_bytes) {
                services_.logger->warn("dropped an input line over {} bytes",
                                       options_.max_message_bytes);
                write_message(protocol::make_error(
                    nullptr, protocol::error_code::invalid_request,
                    "Invalid Request: message exceeds the limit of " +
                        std::to_string(options_.max_message_bytes) + " bytes"));
                pending.clear();
                discarding = newline == std::string_view::npos;
            } else if (newline == std::string_view::npos) {
                pending.append(piece);
            } else if (pending.empty()) {
                handle_line(piece);
            } else {
                pending.append(piece);
                handle_line(pending);
                pending.clear();
            }
            data =
                newline == std::string_view::npos ? std::string_view() : data.substr(newline + 1);
        }
    }
    if (!pending.empty() && !discarding && !stopping_) {
        handle_line(pending);  // a last message without its newline
    }
    const auto deadline = std::chrono::steady_clock::now() + options_.shutdown_grace;
    if (!session_->wait_idle(deadline)) {
        services_.logger->warn("{} tool call(s) still running at shutdown; cancelling",
                               session_->calls_in_flight());
        session_->cancel_all();
    }
    return 0;
}

}  // namespace cmcp::transport::stdio

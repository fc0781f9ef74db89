#include "transport/stdio/stdio_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <stdexcept>

#include "protocol/jsonrpc.hpp"
#include "transport/stdio/line_writer.hpp"

namespace cmcp::transport::stdio {
namespace json = boost::json;

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
// After cancelling at shutdown, how long the cancellation errors may take to be written.
constexpr std::chrono::milliseconds kFinalWriteGrace{1000};

// Holds the writer, not the server: a call may finish after the server is gone.
class StdioExchange final : public protocol::Exchange {
  public:
    explicit StdioExchange(std::shared_ptr<LineWriter> writer) : writer_(std::move(writer)) {}
    void notify(json::object notification) override { writer_->write(notification); }
    void finish(std::optional<json::value> reply) override {
        if (reply) {
            writer_->write(*reply);
        }
    }
    void finish_prepared(protocol::PreparedReply reply) override {
        writer_->write_text(reply.text());
    }

  private:
    std::shared_ptr<LineWriter> writer_;
};

}  // namespace

StdioServer::StdioServer(const protocol::Services& services, int in_fd, int out_fd,
                         StdioOptions options)
    : services_(services),
      in_fd_(in_fd),
      options_(options),
      writer_(std::make_shared<LineWriter>(out_fd)),
      session_(protocol::Session::create(services)) {
    if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
        throw std::runtime_error("cannot create the stdio wake-up pipe");
    }
    writer_->on_broken([this] {
        services_.logger->error("stdout is closed; stopping");
        stop();
    });
}

StdioServer::~StdioServer() {
    writer_->on_broken(nullptr);  // a late failing write must not reach this object
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
    return writer_->write(message);
}

void StdioServer::handle_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
        return;
    }
    session_->handle_text(line, std::make_shared<StdioExchange>(writer_));
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
        session_->cancel_all(protocol::CancelReason::server_shutdown);
        if (!session_->wait_idle(std::chrono::steady_clock::now() + kFinalWriteGrace)) {
            services_.logger->warn("stdout is not being read; leaving replies unwritten");
        }
    }
    return 0;
}

}  // namespace cmcp::transport::stdio

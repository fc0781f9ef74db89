#include "transport/stdio/stdio_server.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "protocol/jsonrpc.hpp"

namespace cmcp::transport::stdio {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

// After cancelling at shutdown, how long the cancellation errors may take to be written.
constexpr std::chrono::milliseconds kFinalWriteGrace{1000};
// How often shutdown looks whether everything has been answered.
constexpr std::chrono::milliseconds kDrainPoll{10};

// A duplicate of `fd` as an asio descriptor, or (for what epoll cannot watch: regular files,
// /dev/null) as a plain descriptor in `direct`. `saved_flags` keeps the file status flags, which
// the duplicate shares with the original and asio may set non-blocking, for the destructor.
void adopt(net::io_context& ioc, int fd, std::optional<net::posix::stream_descriptor>& async,
           int& direct, int& saved_flags) {
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        throw std::runtime_error(std::string("cannot use descriptor ") + std::to_string(fd) + ": " +
                                 std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(copy, &info) == 0 && S_ISREG(info.st_mode)) {
        direct = copy;
        return;
    }
    saved_flags = ::fcntl(copy, F_GETFL);
    boost::system::error_code ec;
    async.emplace(ioc);
    async->assign(copy, ec);
    if (ec) {
        async.reset();
        direct = copy;
    }
}

void restore(std::optional<net::posix::stream_descriptor>& async, int& direct, int saved_flags) {
    if (async) {
        if (saved_flags >= 0) {
            ::fcntl(async->native_handle(), F_SETFL, saved_flags);
        }
        boost::system::error_code ignored;
        async->close(ignored);
    }
    if (direct >= 0) {
        ::close(direct);
        direct = -1;
    }
}

}  // namespace

// Everything a session sends because of one line: written as lines, on the server's thread
// (where the session and its calls run).
class StdioServer::Exchange final : public protocol::Exchange {
  public:
    explicit Exchange(StdioServer& server) : server_(server) {}
    void notify(json::object notification) override {
        server_.write_line(protocol::serialize_message(notification));
    }
    void finish(std::optional<json::value> reply) override {
        if (reply) {
            server_.write_line(protocol::serialize_message(*reply));
        }
    }
    void finish_prepared(protocol::PreparedReply reply) override {
        server_.write_line(reply.text());
    }

  private:
    StdioServer& server_;
};

StdioServer::StdioServer(const protocol::Services& services, int in_fd, int out_fd,
                         StdioOptions options)
    : services_(services), options_(options), session_(protocol::Session::create(services)) {
    adopt(ioc_, in_fd, input_, input_file_, saved_input_flags_);
    adopt(ioc_, out_fd, output_, output_file_, saved_output_flags_);
}

StdioServer::~StdioServer() {
    restore(input_, input_file_, saved_input_flags_);
    restore(output_, output_file_, saved_output_flags_);
}

void StdioServer::stop() {
    stop_requested_ = true;
    net::post(ioc_, [this] { end_of_input("stop requested"); });
}

int StdioServer::run() {
    services_.logger->info("serving MCP on stdio");
    net::post(ioc_, [this] { read_more(); });
    ioc_.run();
    return 0;
}

void StdioServer::read_more() {
    if (input_ended_) {
        return;
    }
    if (input_) {
        input_->async_read_some(
            net::buffer(chunk_), [this](boost::system::error_code ec, std::size_t bytes) {
                if (input_ended_) {
                    return;
                }
                if (ec) {
                    end_of_input(ec == net::error::eof ? "stdin closed"
                                                       : "reading stdin failed: " + ec.message());
                    return;
                }
                on_input(std::string_view(chunk_.data(), bytes));
                read_more();
            });
        return;
    }
    const auto count = ::read(input_file_, chunk_.data(), chunk_.size());
    if (count < 0 && errno == EINTR) {
        net::post(ioc_, [this] { read_more(); });
        return;
    }
    if (count <= 0) {
        end_of_input(count == 0 ? "stdin closed"
                                : std::string("reading stdin failed: ") + std::strerror(errno));
        return;
    }
    on_input(std::string_view(chunk_.data(), static_cast<std::size_t>(count)));
    // Posted, so that calls and writes get their turn between chunks of a large file.
    net::post(ioc_, [this] { read_more(); });
}

void StdioServer::on_input(std::string_view data) {
    while (!data.empty()) {
        const auto newline = data.find('\n');
        const auto piece = data.substr(0, newline);
        if (discarding_) {
            if (newline != std::string_view::npos) {
                discarding_ = false;
            }
        } else if (pending_.size() + piece.size() > options_.max_message_bytes) {
            services_.logger->warn("dropped an input line over {} bytes",
                                   options_.max_message_bytes);
            write_line(protocol::serialize_message(
                protocol::make_error(nullptr, protocol::error_code::invalid_request,
                                     "Invalid Request: message exceeds the limit of " +
                                         std::to_string(options_.max_message_bytes) + " bytes")));
            pending_.clear();
            discarding_ = newline == std::string_view::npos;
        } else if (newline == std::string_view::npos) {
            pending_.append(piece);
        } else if (pending_.empty()) {
            handle_line(piece);
        } else {
            pending_.append(piece);
            handle_line(pending_);
            pending_.clear();
        }
        data = newline == std::string_view::npos ? std::string_view() : data.substr(newline + 1);
    }
}

void StdioServer::handle_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
        return;
    }
    session_->handle_text(line, std::make_shared<Exchange>(*this),
                          protocol::RequestScope{nullptr, ioc_.get_executor()});
}

void StdioServer::end_of_input(std::string_view why) {
    if (input_ended_) {
        return;
    }
    input_ended_ = true;
    services_.logger->info("{}", why);
    if (!pending_.empty() && !discarding_ && !stop_requested_) {
        handle_line(pending_);  // a last message without its newline
    }
    pending_.clear();
    if (input_) {
        boost::system::error_code ignored;
        input_->cancel(ignored);
    }
    grace_deadline_ = std::chrono::steady_clock::now() + options_.shutdown_grace;
    wait_for_calls();
}

void StdioServer::wait_for_calls() {
    const bool answered = session_->calls_in_flight() == 0 && outbox_.empty() && !writing_;
    if (answered || output_broken_) {
        ioc_.stop();
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= grace_deadline_) {
        if (!cancelled_calls_) {
            cancelled_calls_ = true;
            services_.logger->warn("{} tool call(s) still running at shutdown; cancelling",
                                   session_->calls_in_flight());
            session_->cancel_all(protocol::CancelReason::server_shutdown);
            grace_deadline_ = now + kFinalWriteGrace;
        } else {
            services_.logger->warn("stdout is not being read; leaving replies unwritten");
            ioc_.stop();
            return;
        }
    }
    shutdown_timer_.expires_after(kDrainPoll);
    shutdown_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) {
            wait_for_calls();
        }
    });
}

void StdioServer::write_line(std::string line) {
    if (output_broken_) {
        return;
    }
    line.push_back('\n');
    if (output_) {
        outbox_.push_back(std::move(line));
        if (!writing_) {
            write_next();
        }
        return;
    }
    std::size_t offset = 0;
    while (offset < line.size()) {
        const auto written = ::write(output_file_, line.data() + offset, line.size() - offset);
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            output_broken();
            return;
        }
        offset += static_cast<std::size_t>(written);
    }
}

void StdioServer::write_next() {
    writing_ = true;
    net::async_write(*output_, net::buffer(outbox_.front()),
                     [this](boost::system::error_code ec, std::size_t) {
                         writing_ = false;
                         if (ec) {
                             output_broken();
                             return;
                         }
                         outbox_.pop_front();
                         if (!outbox_.empty() && !output_broken_) {
                             write_next();
                         }
                     });
}

void StdioServer::output_broken() {
    if (output_broken_) {
        return;
    }
    output_broken_ = true;
    outbox_.clear();
    services_.logger->error("stdout is closed; stopping");
    // Nobody can read the answers: the calls in flight stop at once.
    session_->cancel_all(protocol::CancelReason::session_ended);
    end_of_input("stopping: the output is gone");
    ioc_.stop();
}

}  // namespace cmcp::transport::stdio

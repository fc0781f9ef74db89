#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "protocol/session.hpp"
#include "support/logging.hpp"

namespace cmcp::transport::stdio {

struct StdioOptions {
    // A line longer than this is answered with an error and skipped, never buffered whole.
    std::size_t max_message_bytes = 4 * 1024 * 1024;
    // On stdin EOF or stop(): how long calls in flight may still finish and be answered.
    std::chrono::milliseconds shutdown_grace{5000};
};

// MCP over newline-delimited JSON: one message per line in, one per line out. Only MCP
// messages are written to the output; logs go to the logger (stderr). Everything runs on one
// io_context on the thread that calls run(): reading, dispatching, the tool calls' coroutines
// and writing. Pipes, terminals and sockets are read and written asynchronously; a regular file
// (`< requests.jsonl`, `> replies.jsonl`), which never makes a reader or writer wait, directly.
class StdioServer {
  public:
    // The descriptors are not taken over: the server works on duplicates of them.
    StdioServer(const protocol::Services& services, int in_fd, int out_fd, StdioOptions options);
    ~StdioServer();
    StdioServer(const StdioServer&) = delete;
    StdioServer& operator=(const StdioServer&) = delete;

    // Serves until the input ends (then lets calls in flight finish within the grace period),
    // the output breaks, or stop() is called. Returns the exit code.
    int run();
    // Thread-safe: makes run() return after the shutdown grace period.
    void stop();

  private:
    class Exchange;
    friend class Exchange;

    void read_more();
    void on_input(std::string_view data);
    void handle_line(std::string_view line);
    void end_of_input(std::string_view why);
    void wait_for_calls();
    void write_line(std::string line);
    void write_next();
    void output_broken();

    const protocol::Services& services_;
    const StdioOptions options_;
    boost::asio::io_context ioc_{1};
    // Pollable descriptors (pipes, terminals, sockets) go through asio; regular files, which
    // epoll cannot watch, are read and written directly.
    std::optional<boost::asio::posix::stream_descriptor> input_;
    int input_file_ = -1;
    std::optional<boost::asio::posix::stream_descriptor> output_;
    int output_file_ = -1;
    int saved_input_flags_ = -1;
    int saved_output_flags_ = -1;
    std::shared_ptr<protocol::Session> session_;

    std::string pending_;      // the start of a line whose end has not arrived
    bool discarding_ = false;  // inside a line that exceeded max_message_bytes
    std::array<char, 64 * 1024> chunk_{};
    std::deque<std::string> outbox_;
    bool writing_ = false;
    bool output_broken_ = false;
    bool input_ended_ = false;
    std::atomic<bool> stop_requested_{false};
    boost::asio::steady_timer shutdown_timer_{ioc_};
    std::chrono::steady_clock::time_point grace_deadline_;
    bool cancelled_calls_ = false;
};

}  // namespace cmcp::transport::stdio

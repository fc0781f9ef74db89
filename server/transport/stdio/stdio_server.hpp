#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

#include "protocol/session.hpp"
#include "support/logging.hpp"
#include "transport/stdio/line_writer.hpp"

namespace cmcp::transport::stdio {

struct StdioOptions {
    // A line longer than this is answered with an error and skipped, never buffered whole.
    std::size_t max_message_bytes = 4 * 1024 * 1024;
    // On stdin EOF or stop(): how long calls in flight may still finish and be answered.
    std::chrono::milliseconds shutdown_grace{5000};
};

// MCP over newline-delimited JSON: one message per line in, one per line out. Only MCP
// messages are written to `out_fd`; logs go to the logger (stderr).
class StdioServer {
  public:
    StdioServer(const protocol::Services& services, int in_fd, int out_fd, StdioOptions options);
    ~StdioServer();
    StdioServer(const StdioServer&) = delete;
    StdioServer& operator=(const StdioServer&) = delete;

    // Serves until stdin ends, the output breaks, or stop() is called. Returns the exit code.
    int run();
    // Thread-safe; makes run() return after the shutdown grace period.
    void stop();

    // Writes one message as a line. Thread-safe; false once the output is broken.
    bool write_message(const boost::json::value& message);

  private:
    void handle_line(std::string_view line);

    const protocol::Services& services_;
    const int in_fd_;
    const StdioOptions options_;
    std::shared_ptr<LineWriter> writer_;
    std::shared_ptr<protocol::Session> session_;
    int wake_pipe_[2] = {-1, -1};
    std::atomic<bool> stopping_{false};
};

}  // namespace cmcp::transport::stdio

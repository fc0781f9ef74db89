#pragma once

#include <atomic>
#include <boost/json/value.hpp>
#include <functional>
#include <mutex>
#include <string>

namespace cmcp::transport::stdio {

// Writes MCP messages as lines to one descriptor (stdout). Shared by the server and every
// exchange it created, so a call that finishes after the server object is gone still writes to
// a live writer. Thread-safe; a failed write marks it broken and later writes are dropped.
class LineWriter {
  public:
    explicit LineWriter(int fd) : fd_(fd) {}

    // False once the output is broken (the reader went away).
    bool write(const boost::json::value& message);
    // The same for a message already serialised (compact JSON: no raw newline).
    bool write_text(std::string message);
    bool broken() const { return broken_; }
    // Called once, from the writing thread, when the output breaks; replaceable (or clearable
    // with an empty function) at any time.
    void on_broken(std::function<void()> callback);

  private:
    const int fd_;
    std::mutex write_mutex_;
    std::atomic<bool> broken_{false};
    std::mutex callback_mutex_;
    std::function<void()> on_broken_;
};

}  // namespace cmcp::transport::stdio

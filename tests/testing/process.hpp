#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cmcp::testing {

// The credentials-mcp binary whole-binary tests start: $CMCP_TEST_BINARY when set (to run a
// test against an earlier build and see it fail there), else the one this build made.
std::string server_binary();

// argv/envp for exec: pointers into values (which must outlive them), null-terminated.
std::vector<char*> c_strings(std::vector<std::string>& values);

// A child process with pipes on stdin, stdout and stderr, for whole-binary tests.
class ChildProcess {
  public:
    ChildProcess(const std::string& program, const std::vector<std::string>& args,
                 const std::vector<std::string>& environment = {"PATH=/usr/bin:/bin"});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    void write(std::string_view data);
    void close_stdin();
    // Next stdout line, or nullopt on EOF or after the timeout.
    std::optional<std::string> read_line(
        std::chrono::milliseconds timeout = std::chrono::seconds(10));
    void signal(int signal_number);
    // Exit status (the exit code, or 128 + signal) or nullopt when it did not exit in time.
    std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Everything the child wrote on stderr so far (drained without blocking).
    std::string stderr_text();
    // Reads stdout to EOF (or timeout).
    std::string stdout_rest(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  private:
    void drain(int fd, std::string& into, int timeout_ms);

    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    int stderr_ = -1;
    std::string out_buffer_;
    std::string err_buffer_;
    std::optional<int> status_;
};

}  // namespace cmcp::testing

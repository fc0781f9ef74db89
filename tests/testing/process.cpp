#include "testing/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <utility>

namespace cmcp::testing {

std::string server_binary() {
    const char* chosen = std::getenv("CMCP_TEST_BINARY");
    return chosen != nullptr && *chosen != '\0' ? std::string(chosen)
                                                : std::string(CMCP_BINARY_PATH);
}

std::vector<char*> c_strings(std::vector<std::string>& values) {
    std::vector<char*> pointers;
    for (auto& value : values) {
        pointers.push_back(value.data());
    }
    pointers.push_back(nullptr);
    return pointers;
}

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::vector<std::string>& environment) {
    int in[2];
    int out[2];
    int err[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 ||
        ::pipe2(err, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    std::vector<std::string> argv_strings{program};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<std::string> env_strings = environment;
    auto argv = c_strings(argv_strings);
    auto envp = c_strings(env_strings);
    const int spawned =
        posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    stderr_ = err[0];
    if (spawned != 0) {
        throw std::runtime_error("cannot start " + program);
    }
}

ChildProcess::~ChildProcess() {
    if (!status_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    for (const int fd : {stdin_, stdout_, stderr_}) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

void ChildProcess::write(std::string_view data) {
    std::size_t offset = 0;
    while (offset < data.size()) {
        const auto written = ::write(stdin_, data.data() + offset, data.size() - offset);
        if (written <= 0) {
            throw std::runtime_error("write to child stdin failed");
        }
        offset += static_cast<std::size_t>(written);
    }
}

void ChildProcess::close_stdin() {
    if (stdin_ >= 0) {
        ::close(stdin_);
        stdin_ = -1;
    }
}

void ChildProcess::drain(int fd, std::string& into, int timeout_ms) {
    pollfd poll_fd{fd, POLLIN, 0};
    while (::poll(&poll_fd, 1, timeout_ms) > 0) {
        char chunk[8192];
        const auto count = ::read(fd, chunk, sizeof chunk);
        if (count <= 0) {
            return;
        }
        into.append(chunk, static_cast<std::size_t>(count));
        timeout_ms = 0;
    }
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (const auto newline = out_buffer_.find('\n'); newline != std::string::npos) {
            auto line = out_buffer_.substr(0, newline);
            out_buffer_.erase(0, newline + 1);
            return line;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return std::nullopt;
        }
        pollfd poll_fd{stdout_, POLLIN, 0};
        if (::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) {
            return std::nullopt;
        }
        char chunk[8192];
        const auto count = ::read(stdout_, chunk, sizeof chunk);
        if (count <= 0) {
            return std::nullopt;
        }
        out_buffer_.append(chunk, static_cast<std::size_t>(count));
    }
}

std::string ChildProcess::stdout_rest(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd poll_fd{stdout_, POLLIN, 0};
        if (::poll(&poll_fd, 1, 50) <= 0) {
            continue;
        }
        char chunk[8192];
        const auto count = ::read(stdout_, chunk, sizeof chunk);
        if (count <= 0) {
            break;
        }
        out_buffer_.append(chunk, static_cast<std::size_t>(count));
    }
    return std::exchange(out_buffer_, {});
}

void ChildProcess::signal(int signal_number) {
    ::kill(pid_, signal_number);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    if (status_) {
        return status_;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int raw = 0;
        const pid_t done = ::waitpid(pid_, &raw, WNOHANG);
        if (done == pid_) {
            status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
            return status_;
        }
        drain(stderr_, err_buffer_, 0);  // a child blocked on a full stderr pipe never exits
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
}

std::string ChildProcess::stderr_text() {
    drain(stderr_, err_buffer_, 20);
    return err_buffer_;
}

}  // namespace cmcp::testing

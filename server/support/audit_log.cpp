#include "support/audit_log.hpp"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cmcp {

namespace {

int open_for_append(const std::string& path, std::string& error) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot open the audit log " + path + ": " + std::strerror(errno);
    }
    return fd;
}

// The whole record in as few write(2) calls as the descriptor allows.
bool write_all(int fd, std::string_view record, const std::string& where, std::string& error) {
    std::size_t offset = 0;
    while (offset < record.size()) {
        const auto written = ::write(fd, record.data() + offset, record.size() - offset);
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            error = "cannot write the audit log " + where + ": " + std::strerror(errno);
            return false;
        }
        offset += static_cast<std::size_t>(written);
    }
    return true;
}

class StdoutSink final : public AuditSink {
  public:
    bool append(std::string_view line, std::string& error) override {
        std::string record(line);
        record.push_back('\n');
        std::lock_guard lock(mutex_);
        return write_all(STDOUT_FILENO, record, "stdout", error);
    }
    std::string name() const override { return "stdout"; }

  private:
    std::mutex mutex_;
};

class SyslogSink final : public AuditSink {
  public:
    SyslogSink() { ::openlog("credentials-mcp", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV); }
    ~SyslogSink() override { ::closelog(); }
    SyslogSink(const SyslogSink&) = delete;
    SyslogSink& operator=(const SyslogSink&) = delete;

    // syslog(3) reports no failure: a line handed to it counts as recorded.
    bool append(std::string_view line, std::string&) override {
        ::syslog(LOG_AUTHPRIV | LOG_NOTICE, "%.*s", static_cast<int>(line.size()), line.data());
        return true;
    }
    std::string name() const override { return "syslog"; }
};

}  // namespace

std::unique_ptr<AuditLog> AuditLog::open(const std::string& path, std::string& error) {
    const int fd = open_for_append(path, error);
    if (fd < 0) {
        return nullptr;
    }
    return std::make_unique<AuditLog>(PrivateTag{}, path, fd);
}

AuditLog::~AuditLog() {
    ::close(fd_);
}

bool AuditLog::append(std::string_view line, std::string& error) {
    std::string record(line);
    record.push_back('\n');
    std::lock_guard lock(mutex_);
    return write_all(fd_, record, path_, error);
}

bool AuditLog::reopen(std::string& error) {
    const int fd = open_for_append(path_, error);
    if (fd < 0) {
        return false;
    }
    std::lock_guard lock(mutex_);
    ::close(fd_);
    fd_ = fd;
    return true;
}

std::unique_ptr<AuditSink> open_audit_sink(const std::string& spec, std::string& error) {
    if (spec == "stdout") {
        return std::make_unique<StdoutSink>();
    }
    if (spec == "syslog") {
        return std::make_unique<SyslogSink>();
    }
    if (spec.starts_with("file:") && spec.size() > 5) {
        return AuditLog::open(spec.substr(5), error);
    }
    error = "unknown audit sink '" + spec + "' (file:PATH, stdout or syslog)";
    return nullptr;
}

}  // namespace cmcp

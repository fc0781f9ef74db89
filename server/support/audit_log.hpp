#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace cmcp {

// Where audit lines go. Each line is handed over whole, in one call, so lines never interleave.
class AuditSink {
  public:
    virtual ~AuditSink() = default;
    // Appends one line (the sink adds what separates lines). False, with the reason in
    // `error`, when it was not recorded.
    virtual bool append(std::string_view line, std::string& error) = 0;
    // "file:/var/log/credentials-mcp/audit.jsonl", "stdout", "syslog".
    virtual std::string name() const = 0;
    // Starts over on a fresh file after log rotation (SIGHUP); false, with the reason, if the
    // path cannot be opened (the old file is kept). Sinks without a file have nothing to do.
    virtual bool reopen(std::string& error) {
        (void)error;
        return true;
    }
};

// An append-only file of JSON lines. Each line goes out in one write(2) on an O_APPEND
// descriptor, so it is in the kernel before append() returns and lines never interleave.
class AuditLog final : public AuditSink {
    struct PrivateTag {};  // construction goes through open(), which can fail

  public:
    // Opens or creates the file (mode 0600); on failure returns null and says why in `error`.
    static std::unique_ptr<AuditLog> open(const std::string& path, std::string& error);
    AuditLog(PrivateTag, std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
    ~AuditLog() override;
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    bool append(std::string_view line, std::string& error) override;
    std::string name() const override { return "file:" + path_; }
    bool reopen(std::string& error) override;
    const std::string& path() const { return path_; }

  private:
    const std::string path_;
    std::mutex mutex_;
    int fd_;  // guarded by mutex_
};

// "file:PATH", "stdout" (for containers: one JSON line per record on standard output) or
// "syslog" (the local syslog daemon, facility authpriv). Null with the reason in `error` when
// it cannot be opened.
std::unique_ptr<AuditSink> open_audit_sink(const std::string& spec, std::string& error);

}  // namespace cmcp

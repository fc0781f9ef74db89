#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace cmcp {

// An append-only file of JSON lines. Each line goes out in one write(2) on an O_APPEND
// descriptor, so it is in the kernel before append() returns and lines never interleave.
class AuditLog {
    struct PrivateTag {};  // construction goes through open(), which can fail

  public:
    // Opens or creates the file (mode 0600); on failure returns null and says why in `error`.
    static std::unique_ptr<AuditLog> open(const std::string& path, std::string& error);
    AuditLog(PrivateTag, std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
    ~AuditLog();
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    // Appends `line` and a newline. False, with the reason in `error`, when the write fails.
    bool append(std::string_view line, std::string& error);
    const std::string& path() const { return path_; }

  private:
    const std::string path_;
    const int fd_;
    std::mutex mutex_;
};

}  // namespace cmcp

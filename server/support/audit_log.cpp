#include "support/audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cmcp {

std::unique_ptr<AuditLog> AuditLog::open(const std::string& path, std::string& error) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot open the audit log " + path + ": " + std::strerror(errno);
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
    std::size_t offset = 0;
    while (offset < record.size()) {
        const auto written = ::write(fd_, record.data() + offset, record.size() - offset);
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            error = "cannot write the audit log " + path_ + ": " + std::strerror(errno);
            return false;
        }
        offset += static_cast<std::size_t>(written);
    }
    return true;
}

}  // namespace cmcp

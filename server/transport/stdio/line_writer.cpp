#include "transport/stdio/line_writer.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "protocol/jsonrpc.hpp"

namespace cmcp::transport::stdio {

namespace {
// How long one poll waits for a non-blocking descriptor to accept more bytes.
constexpr int kWritablePollMs = 1000;
}  // namespace

bool LineWriter::write(const boost::json::value& message) {
    return write_text(protocol::serialize_message(message));
}

bool LineWriter::write_text(std::string line) {
    line.push_back('\n');
    {
        std::lock_guard lock(write_mutex_);
        if (broken_) {
            return false;
        }
        std::size_t offset = 0;
        while (offset < line.size()) {
            const auto written = ::write(fd_, line.data() + offset, line.size() - offset);
            if (written >= 0) {
                offset += static_cast<std::size_t>(written);
                continue;
            }
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                pollfd wait{fd_, POLLOUT, 0};
                ::poll(&wait, 1, kWritablePollMs);
                continue;
            }
            broken_ = true;
            break;
        }
        if (!broken_) {
            return true;
        }
    }
    std::function<void()> callback;
    {
        std::lock_guard lock(callback_mutex_);
        callback = std::exchange(on_broken_, nullptr);
    }
    if (callback) {
        callback();
    }
    return false;
}

void LineWriter::on_broken(std::function<void()> callback) {
    std::lock_guard lock(callback_mutex_);
    on_broken_ = std::move(callback);
}

}  // namespace cmcp::transport::stdio

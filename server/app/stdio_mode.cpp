#include <unistd.h>

#include "app/modes.hpp"
#include "transport/stdio/stdio_server.hpp"

namespace cmcp::app {

int serve_stdio(const config::Config& config, const protocol::Services& services,
                StopHandle& stop) {
    transport::stdio::StdioOptions options;
    options.max_message_bytes = config.max_message_bytes;
    options.shutdown_grace = config.shutdown_grace;
    transport::stdio::StdioServer server(services, STDIN_FILENO, STDOUT_FILENO, options);
    stop.attach([&server] { server.stop(); });
    const int exit_code = server.run();
    stop.detach();
    return exit_code;
}

}  // namespace cmcp::app

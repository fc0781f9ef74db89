#include <condition_variable>
#include <mutex>

#include "app/modes.hpp"
#include "sandbox/sandbox.hpp"
#include "upstream/credentials.hpp"

namespace cmcp::app {

namespace {
// The standalone sandbox serves whole fleets in tests (several replicas, each with a pool of
// keep-alive connections and scripted slow answers); cpp-httplib's default of 8 threads made
// the ninth concurrent client wait.
constexpr std::size_t kStandaloneThreads = 128;
}  // namespace

int serve_sandbox(const config::Config& config, const config::EnvLookup& env, StopHandle& stop,
                  const Logger& logger) {
    // The same variables the MCP server sends from, so one environment configures both ends.
    auto credentials = upstream::credentials_from_environment(env);
    if (!credentials.scaleway_secret_key || !credentials.planetscale_authorization) {
        logger->critical(
            "sandbox needs the credentials it should accept: set SCW_SECRET_KEY, and "
            "PLANETSCALE_SERVICE_TOKEN_ID with PLANETSCALE_SERVICE_TOKEN (or PLANETSCALE_API_KEY)");
        return kExitUsage;
    }
    sandbox::Options options;
    options.scaleway_secret_key = std::move(*credentials.scaleway_secret_key);
    options.planetscale_authorization = std::move(*credentials.planetscale_authorization);
    options.host = config.http.host;
    options.port = config.http.port;
    options.threads = kStandaloneThreads;

    std::mutex mutex;
    std::condition_variable stopped_signal;
    bool stopped = false;
    {
        const sandbox::Sandbox simulator(std::move(options));
        // The port may have been 0: scripts read the real address from this line.
        logger->warn("sandbox: serving the Scaleway and PlanetScale simulators at {}",
                     simulator.base_url());
        stop.attach([&] {
            {
                std::lock_guard lock(mutex);
                stopped = true;
            }
            stopped_signal.notify_all();
        });
        std::unique_lock lock(mutex);
        stopped_signal.wait(lock, [&] { return stopped; });
        lock.unlock();
        stop.detach();
    }
    logger->info("stopped");
    return 0;
}

}  // namespace cmcp::app

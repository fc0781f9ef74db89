#include <iostream>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "app/modes.hpp"
#include "catalog/definition_loader.hpp"
#include "config/config.hpp"
#include "support/logging.hpp"

namespace {

// A configuration error is one line on stderr and exit code 2, before anything else is printed.
int configuration_error(const std::string& message) {
    std::cerr << "credentials-mcp: " << message << " (see credentials-mcp --help)\n";
    return cmcp::app::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const auto env = cmcp::config::process_environment();
    const auto parsed = cmcp::config::parse_config(args, env);
    if (std::holds_alternative<cmcp::config::ShowHelp>(parsed)) {
        std::cout << cmcp::config::usage_text();
        return 0;
    }
    if (std::holds_alternative<cmcp::config::ShowVersion>(parsed)) {
        std::cout << "credentials-mcp " << cmcp::app::version() << "\n";
        return 0;
    }
    if (const auto* error = std::get_if<cmcp::config::ConfigError>(&parsed)) {
        return configuration_error(error->message);
    }
    const auto& config = std::get<cmcp::config::Config>(parsed);
    std::variant<cmcp::app::Startup, std::string> prepared;
    try {
        prepared = cmcp::app::prepare(config, env);
    } catch (const cmcp::catalog::DefinitionError& error) {
        std::cerr << "credentials-mcp: the built-in tool definitions are invalid: " << error.what()
                  << "\n";
        return cmcp::app::kExitStartupFailure;
    }
    if (const auto* problem = std::get_if<std::string>(&prepared)) {
        return configuration_error(*problem);
    }
    auto& startup = std::get<cmcp::app::Startup>(prepared);
    if (config.mode == cmcp::config::Mode::tools) {
        std::cout << cmcp::app::tools_table(config, startup);
        return 0;
    }
    const auto logger = cmcp::make_stderr_logger(config.log_level);
    try {
        return cmcp::app::run(config, std::move(startup), env, logger);
    } catch (const std::exception& error) {
        logger->critical("cannot start: {}", error.what());
    }
    return cmcp::app::kExitStartupFailure;
}

#include <iostream>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "app/modes.hpp"
#include "catalog/definition_loader.hpp"
#include "config/config.hpp"
#include "support/logging.hpp"

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
        std::cerr << "credentials-mcp: " << error->message << "\n"
                  << "Run `credentials-mcp --help` for usage.\n";
        return cmcp::app::kExitUsage;
    }
    const auto& config = std::get<cmcp::config::Config>(parsed);
    const auto logger = cmcp::make_stderr_logger(config.log_level);
    try {
        return cmcp::app::run(config, env, logger);
    } catch (const cmcp::catalog::DefinitionError& error) {
        logger->critical("cannot start: {}", error.what());
    } catch (const std::exception& error) {
        logger->critical("cannot start: {}", error.what());
    }
    return cmcp::app::kExitStartupFailure;
}

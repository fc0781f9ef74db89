#include "support/logging.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace cmcp {
namespace {

// Issue 14 §7: whatever a message holds, it stays on its own line.
TEST(Logging, ControlCharactersInAMessageAreEscaped) {
    std::ostringstream out;
    const auto logger = make_stream_logger(out);
    logger->info("method {}", std::string("x\n2099-01-01 info forged\r\t\x1b[31m\x7f"));
    EXPECT_EQ(out.str(), "info method x\\n2099-01-01 info forged\\r\\t\\x1b[31m\\x7f\n");
}

TEST(Logging, OrdinaryTextIsUnchanged) {
    std::ostringstream out;
    const auto logger = make_stream_logger(out);
    logger->warn("tool {}: {} \u00e9", "list-secrets", 42);
    EXPECT_EQ(out.str(), "warning tool list-secrets: 42 \u00e9\n");
}

}  // namespace
}  // namespace cmcp

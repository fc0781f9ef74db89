#include "protocol/jsonrpc.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace cmcp::protocol {
namespace {

namespace json = boost::json;

json::value parsed(std::string_view text) {
    std::string error;
    auto message = parse_message(text, error);
    EXPECT_TRUE(message) << error;
    return message.value_or(nullptr);
}

// Issue 14 §9: an id is echoed as sent, whatever a double can hold.
TEST(JsonRpcIds, NumbersADoubleCannotHoldAreEchoedAsWritten) {
    for (const std::string_view id :
         {"123456789012345678901234567890", "-98765432109876543210", "1e3", "1.50", "-0.0"}) {
        const auto message =
            parsed(R"({"jsonrpc":"2.0","id":)" + std::string(id) + R"(,"method":"ping"})");
        const auto& request_id = message.at("id");
        ASSERT_TRUE(is_valid_id(request_id)) << id;
        EXPECT_EQ(number_text_of(request_id).value_or(""), id);
        EXPECT_EQ(serialize_message(make_result(request_id, json::object())),
                  R"({"jsonrpc":"2.0","id":)" + std::string(id) + R"(,"result":{}})");
        // On its own too: the cached tools/list answer and the audit log write the id alone.
        EXPECT_EQ(serialize_message(request_id), id);
    }
}

TEST(JsonRpcIds, OrdinaryIdsAreUntouched) {
    const auto message = parsed(R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"})");
    EXPECT_TRUE(message.at("id").is_uint64());
    EXPECT_EQ(serialize_message(make_result(message.at("id"), nullptr)),
              R"({"jsonrpc":"2.0","id":18446744073709551615,"result":null})");
    EXPECT_TRUE(parsed(R"({"id":"1e3"})").at("id").is_string());
}

TEST(JsonRpcIds, BatchElementsKeepTheirOwnIds) {
    const auto batch = parsed(R"([{"id":1},{"id":"x","params":{"id":2.5E40}},{"id":3e40},{}])");
    ASSERT_TRUE(batch.is_array());
    EXPECT_EQ(batch.at(0).at("id").as_int64(), 1);
    EXPECT_TRUE(batch.at(1).at("id").is_string());
    EXPECT_EQ(number_text_of(batch.at(2).at("id")).value_or(""), "3e40");
    EXPECT_EQ(serialize_message(batch),
              R"([{"id":1},{"id":"x","params":{"id":2.5E40}},{"id":3e40},{}])");
}

TEST(JsonRpcIds, AClientCannotForgeATextId) {
    // No parsed text can hold the internal key (it is not UTF-8), so an object id stays invalid.
    const auto message = parsed(R"({"id":{"number-text":"1,\"x\":2"}})");
    EXPECT_FALSE(is_valid_id(message.at("id")));
    EXPECT_FALSE(number_text_of(message.at("id")));
}

TEST(JsonRpcIds, ATextIdMatchesTheDoubleACancellationNamesIt) {
    const auto message = parsed(R"({"id":123456789012345678901234567890})");
    EXPECT_EQ(id_key(message.at("id")), id_key(json::value(1.2345678901234568e29)));
}

}  // namespace
}  // namespace cmcp::protocol

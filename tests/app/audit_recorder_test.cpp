#include "app/audit_recorder.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/json.hpp"

namespace cmcp::app {
namespace {

namespace json = boost::json;
using testing::parse_object;

upstream::Redactor redactor_with(std::string key) {
    upstream::Credentials credentials;
    credentials.scaleway_secret_key = std::move(key);
    credentials.planetscale_authorization = "pstokenid0001:pscale_tkn_supersecret0001";
    return upstream::Redactor(credentials);
}

std::filesystem::path temp_file(const std::string& name) {
    auto path = std::filesystem::temp_directory_path() /
                (name + "-" + std::to_string(::getpid()) + ".jsonl");
    std::filesystem::remove(path);
    return path;
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream file(path);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

std::vector<json::object> lines_of(const std::filesystem::path& path) {
    return testing::json_lines(path);
}

TEST(AuditRedaction, CredentialsAndSecretLookingKeysAreHidden) {
    const auto redactor = redactor_with("scw-key-0123456789abcdef");
    const auto redacted =
        redact_arguments(parse_object(R"({"description":"rotate scw-key-0123456789abcdef now",
                         "password":"hunter2","api_key":"k","token":"t","Client_Secret":"s",
                         "secret_id":"6170692e-7363-616c-6577-61792e636f6d","token_id":"x",
                         "tags":["pscale_tkn_supersecret0001","ok"],
                         "ephemeral_policy":{"private_key":"-----BEGIN"},
                         "protected":true,"page_size":5,"name":null})"),
                         redactor);
    EXPECT_EQ(redacted.at("description").as_string(), "rotate [REDACTED] now");
    for (const auto* key : {"password", "api_key", "token", "Client_Secret"}) {
        EXPECT_EQ(redacted.at(key).as_string(), "[REDACTED]") << key;
    }
    EXPECT_EQ(redacted.at("secret_id").as_string(), "6170692e-7363-616c-6577-61792e636f6d");
    EXPECT_EQ(redacted.at("token_id").as_string(), "x");
    EXPECT_EQ(redacted.at("tags").as_array()[0].as_string(), "[REDACTED]");
    EXPECT_EQ(redacted.at("tags").as_array()[1].as_string(), "ok");
    EXPECT_EQ(redacted.at("ephemeral_policy").at("private_key").as_string(), "[REDACTED]");
    EXPECT_TRUE(redacted.at("protected").as_bool());
    EXPECT_EQ(redacted.at("page_size").as_int64(), 5);
    EXPECT_TRUE(redacted.at("name").is_null());
}

TEST(AuditRecorder, WritesOneJsonLinePerRecord) {
    const auto path = temp_file("audit-lines");
    std::string error;
    auto log = AuditLog::open(path.string(), error);
    ASSERT_TRUE(log) << error;
    std::ostringstream logs;
    auto record = make_audit_recorder(*log, redactor_with("scw-key-0123456789abcdef"),
                                      make_stream_logger(logs));
    const auto arguments = parse_object(R"({"secret_id":"abc","note":"scw-key-0123456789abcdef"})");
    record(protocol::AuditRecord{.event = "call",
                                 .client = "session 1a2b3c4d",
                                 .tool = "delete-secret",
                                 .arguments = arguments,
                                 .upstream_status = 204,
                                 .request_sent = true,
                                 .duration = std::chrono::milliseconds(42),
                                 .outcome = "ok"});
    record(protocol::AuditRecord{.event = "call",
                                 .client = "stdio",
                                 .tool = "create-secret",
                                 .arguments = arguments,
                                 .outcome = "invalid_arguments"});
    const auto lines = lines_of(path);
    ASSERT_EQ(lines.size(), 2U);
    const auto& first = lines[0];
    EXPECT_EQ(first.at("client").as_string(), "session 1a2b3c4d");
    EXPECT_EQ(first.at("tool").as_string(), "delete-secret");
    EXPECT_EQ(first.at("upstream_status").as_int64(), 204);
    EXPECT_EQ(first.at("duration_ms").as_int64(), 42);
    EXPECT_EQ(first.at("outcome").as_string(), "ok");
    EXPECT_EQ(first.at("arguments").at("note").as_string(), "[REDACTED]");
    const std::string time(first.at("time").as_string());
    EXPECT_EQ(time.size(), 24U) << time;  // 2026-11-23T12:34:56.789Z
    EXPECT_EQ(time.back(), 'Z');
    EXPECT_TRUE(first.at("request_sent").as_bool());
    EXPECT_TRUE(lines[1].at("upstream_status").is_null());
    EXPECT_FALSE(lines[1].at("request_sent").as_bool());
    EXPECT_EQ(lines[1].at("outcome").as_string(), "invalid_arguments");
    EXPECT_TRUE(logs.str().empty()) << logs.str();
    std::filesystem::remove(path);
}

TEST(AuditRecorder, AFailedWriteIsLoggedNeverThrown) {
    std::string error;
    auto log = AuditLog::open("/dev/full", error);  // every write fails with ENOSPC
    ASSERT_TRUE(log) << error;
    std::ostringstream logs;
    auto record = make_audit_recorder(*log, upstream::Redactor(), make_stream_logger(logs));
    const auto arguments = parse_object("{}");
    EXPECT_NO_THROW(record(protocol::AuditRecord{.event = "call",
                                                 .client = "stdio",
                                                 .tool = "delete-jwt",
                                                 .arguments = arguments,
                                                 .upstream_status = 204,
                                                 .request_sent = true,
                                                 .outcome = "ok"}));
    EXPECT_NE(logs.str().find("error audit: cannot write the audit log /dev/full"),
              std::string::npos)
        << logs.str();
}

// Issue 14 §5: a refused call with a 3 MB argument wrote a 3 MB audit line.
TEST(AuditRecorder, ALineStaysBoundedAndValidWhateverTheArguments) {
    const auto path = temp_file("audit-bounded");
    std::string error;
    auto log = AuditLog::open(path.string(), error);
    ASSERT_TRUE(log) << error;
    std::ostringstream logs;
    auto record = make_audit_recorder(*log, upstream::Redactor(), make_stream_logger(logs));
    json::object arguments;
    arguments["name"] = std::string(3 * 1024 * 1024, 'x');
    arguments["description"] = "kept as it is";
    json::array tags;
    for (int i = 0; i < 5000; ++i) {
        tags.push_back(json::value(std::string(200, 't')));
    }
    arguments["tags"] = std::move(tags);
    json::value nested = json::object{{"leaf", 1}};
    for (int i = 0; i < 40; ++i) {
        nested = json::object{{"deeper", std::move(nested)}};
    }
    arguments["ephemeral_policy"] = std::move(nested);
    record(protocol::AuditRecord{.event = "call",
                                 .client = "stdio",
                                 .tool = "create-secret",
                                 .arguments = arguments,
                                 .outcome = "invalid_arguments"});
    const auto text = read_text(path);
    EXPECT_LE(text.size(), 16U * 1024 + 1);
    const auto lines = lines_of(path);
    ASSERT_EQ(lines.size(), 1U);
    const auto& logged = lines[0].at("arguments").as_object();
    EXPECT_EQ(logged.at("description").as_string(), "kept as it is");
    const std::string name(logged.at("name").as_string());
    EXPECT_LT(name.size(), 2000U);
    EXPECT_NE(name.find("more bytes]"), std::string::npos) << name.substr(0, 200);
    EXPECT_NE(json::serialize(logged.at("tags")).find("more items]"), std::string::npos);
    EXPECT_NE(json::serialize(logged.at("ephemeral_policy")).find("[nested too deep]"),
              std::string::npos);
    EXPECT_EQ(lines[0].at("outcome").as_string(), "invalid_arguments");
    std::filesystem::remove(path);
}

TEST(AuditLogFile, IsCreatedPrivateAndAppendedTo) {
    const auto path = temp_file("audit-mode");
    std::string error;
    {
        auto log = AuditLog::open(path.string(), error);
        ASSERT_TRUE(log);
        EXPECT_TRUE(log->append("{\"a\":1}", error));
    }
    {
        auto log = AuditLog::open(path.string(), error);
        ASSERT_TRUE(log);
        EXPECT_TRUE(log->append("{\"a\":2}", error));
    }
    EXPECT_EQ(lines_of(path).size(), 2U);
    const auto permissions = std::filesystem::status(path).permissions();
    EXPECT_EQ(permissions & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_FALSE(AuditLog::open("/nonexistent-dir/audit.jsonl", error));
    EXPECT_NE(error.find("/nonexistent-dir/audit.jsonl"), std::string::npos);
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace cmcp::app

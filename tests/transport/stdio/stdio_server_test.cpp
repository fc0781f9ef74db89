#include "transport/stdio/stdio_server.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <csignal>
#include <future>
#include <thread>

#include "testing/fakes.hpp"

namespace cmcp::transport::stdio {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// A StdioServer on two pipes, run on its own thread; the test plays the client.
class StdioHarness {
  public:
    explicit StdioHarness(StdioOptions options = {})
        : logger_(make_null_logger()),
          services_{testing::embedded_catalog(),
                    upstream,
                    calls_,
                    logger_,
                    protocol::ServerIdentity{"credentials-mcp", "test", "Credentials MCP", ""},
                    {},
                    {}} {
        if (::pipe(to_server_) != 0 || ::pipe(from_server_) != 0) {
            throw std::runtime_error("pipe");
        }
        server_ = std::make_unique<StdioServer>(services_, to_server_[0], from_server_[1], options);
        exit_code_ = std::async(std::launch::async, [this] { return server_->run(); }).share();
    }

    ~StdioHarness() {
        close_input();
        upstream.release_all();
        server_->stop();
        exit_code_.wait();
        for (const int fd : {to_server_[0], from_server_[0], from_server_[1]}) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
    }

    void write_raw(std::string_view data) {
        ASSERT_EQ(::write(to_server_[1], data.data(), data.size()),
                  static_cast<ssize_t>(data.size()));
    }
    void send_line(std::string_view line) { write_raw(std::string(line) + "\n"); }
    void stop() { server_->stop(); }
    void close_output_reader() {
        ::close(from_server_[0]);
        from_server_[0] = -1;
    }

    void close_input() {
        if (to_server_[1] >= 0) {
            ::close(to_server_[1]);
            to_server_[1] = -1;
        }
    }

    // Next output line, or nullopt after the timeout.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (const auto newline = buffer_.find('\n'); newline != std::string::npos) {
                auto line = buffer_.substr(0, newline);
                buffer_.erase(0, newline + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return std::nullopt;
            }
            pollfd fd{from_server_[0], POLLIN, 0};
            if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) {
                return std::nullopt;
            }
            char chunk[4096];
            const auto count = ::read(from_server_[0], chunk, sizeof chunk);
            if (count <= 0) {
                return std::nullopt;
            }
            buffer_.append(chunk, static_cast<std::size_t>(count));
        }
    }

    json::value read_message(std::chrono::milliseconds timeout = 5s) {
        const auto line = read_line(timeout);
        if (!line) {
            throw std::runtime_error("no message from the server");
        }
        return json::parse(*line);
    }

    void initialize() {
        send_line(
            R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
        EXPECT_EQ(read_message().at("result").at("protocolVersion").as_string(), "2025-11-25");
        send_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    }

    int wait_exit(std::chrono::milliseconds timeout = 10s) {
        if (exit_code_.wait_for(timeout) != std::future_status::ready) {
            throw std::runtime_error("server did not exit");
        }
        return exit_code_.get();
    }

    testing::FakeUpstream upstream;

  private:
    protocol::CallLimit calls_{256};
    Logger logger_;
    protocol::Services services_;
    int to_server_[2] = {-1, -1};
    int from_server_[2] = {-1, -1};
    std::unique_ptr<StdioServer> server_;
    std::shared_future<int> exit_code_;
    std::string buffer_;
};

TEST(StdioServer, AnswersRequestsLineByLine) {
    StdioHarness harness;
    harness.initialize();
    harness.send_line(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
    const auto reply = harness.read_message();
    EXPECT_EQ(reply.at("id").as_int64(), 1);
    EXPECT_EQ(reply.at("result").at("tools").as_array().size(), 23U);
}

TEST(StdioServer, OutputIsOneCompactJsonMessagePerLine) {
    StdioHarness harness;
    harness.initialize();
    harness.send_line(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
    const auto line = harness.read_line();
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(line->find('\n'), std::string::npos);
    EXPECT_NO_THROW(json::parse(*line));
}

TEST(StdioServer, MalformedLinesGetParseErrorsAndTheServerGoesOn) {
    StdioHarness harness;
    harness.send_line("this is not json");
    auto reply = harness.read_message();
    EXPECT_EQ(reply.at("error").at("code").as_int64(), -32700);
    EXPECT_TRUE(reply.at("id").is_null());
    harness.send_line(R"({"jsonrpc":"2.0","id":2,"method":"ping"})");
    reply = harness.read_message();
    EXPECT_EQ(reply.at("id").as_int64(), 2);
}

TEST(StdioServer, OversizedLinesAreRefusedAndTheServerGoesOn) {
    StdioOptions options;
    options.max_message_bytes = 2048;
    StdioHarness harness(options);
    // Written in pieces, so the limit is hit before the newline arrives.
    const std::string huge(10000, 'x');
    harness.write_raw(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":")");
    harness.write_raw(huge);
    harness.write_raw("\"}}\n");
    auto reply = harness.read_message();
    EXPECT_EQ(reply.at("error").at("code").as_int64(), -32600);
    EXPECT_NE(reply.at("error").at("message").as_string().find("2048"), std::string::npos);
    harness.send_line(R"({"jsonrpc":"2.0","id":3,"method":"ping"})");
    reply = harness.read_message();
    EXPECT_EQ(reply.at("id").as_int64(), 3);
    EXPECT_FALSE(harness.read_line(100ms).has_value());  // exactly one error for the big line
}

TEST(StdioServer, BlankLinesAndCarriageReturnsAreTolerated) {
    StdioHarness harness;
    harness.write_raw("\n   \n\r\n");
    harness.write_raw("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}\r\n");
    const auto reply = harness.read_message();
    EXPECT_EQ(reply.at("id").as_int64(), 5);
    EXPECT_FALSE(harness.read_line(100ms).has_value());
}

TEST(StdioServer, MessagesSplitAcrossWritesAndSeveralPerWrite) {
    StdioHarness harness;
    harness.write_raw(R"({"jsonrpc":"2.0","id":1,)");
    std::this_thread::sleep_for(20ms);
    harness.write_raw("\"method\":\"ping\"}\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n");
    EXPECT_EQ(harness.read_message().at("id").as_int64(), 1);
    EXPECT_EQ(harness.read_message().at("id").as_int64(), 2);
}

TEST(StdioServer, NotificationsProduceNoOutput) {
    StdioHarness harness;
    harness.initialize();
    harness.send_line(R"({"jsonrpc":"2.0","method":"notifications/whatever"})");
    EXPECT_FALSE(harness.read_line(150ms).has_value());
}

TEST(StdioServer, ExitsCleanlyOnEndOfInput) {
    StdioHarness harness;
    harness.initialize();
    harness.close_input();
    EXPECT_EQ(harness.wait_exit(), 0);
}

TEST(StdioServer, ALastMessageWithoutNewlineIsStillServed) {
    StdioHarness harness;
    harness.write_raw(R"({"jsonrpc":"2.0","id":9,"method":"ping"})");
    harness.close_input();
    EXPECT_EQ(harness.read_message().at("id").as_int64(), 9);
    EXPECT_EQ(harness.wait_exit(), 0);
}

TEST(StdioServer, EndOfInputLetsCallsInFlightFinish) {
    StdioHarness harness;
    harness.initialize();
    testing::FakeUpstream::Script slow;
    slow.outcome = testing::json_response(200, R"({"jti":"late"})");
    slow.during = [](upstream::CallControl&) { std::this_thread::sleep_for(100ms); };
    harness.upstream.push(slow);
    harness.send_line(
        R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get-jwt","arguments":{"jti":"late"}}})");
    ASSERT_TRUE(harness.upstream.wait_for_requests(1, 5s));
    harness.close_input();
    const auto reply = harness.read_message();
    EXPECT_EQ(reply.at("result").at("structuredContent").at("jti").as_string(), "late");
    EXPECT_EQ(harness.wait_exit(), 0);
}

TEST(StdioServer, ConcurrentCallsFinishOutOfOrder) {
    StdioHarness harness;
    harness.initialize();
    testing::FakeUpstream::Script held;
    held.hold = true;
    held.outcome = testing::json_response(200, R"({"jti":"first"})");
    harness.upstream.push(held);
    harness.send_line(
        R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-jwt","arguments":{"jti":"a"}}})");
    ASSERT_TRUE(harness.upstream.wait_for_requests(1, 5s));
    harness.upstream.push_json(200, R"({"jti":"second"})");
    harness.send_line(
        R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get-jwt","arguments":{"jti":"b"}}})");
    EXPECT_EQ(harness.read_message().at("id").as_int64(), 2);
    harness.upstream.release_all();
    EXPECT_EQ(harness.read_message().at("id").as_int64(), 1);
}

TEST(StdioServer, StopEndsRunWhileInputIsStillOpen) {
    StdioHarness harness;
    harness.initialize();
    std::thread([&harness] {
        std::this_thread::sleep_for(50ms);
        harness.stop();
    }).detach();
    EXPECT_EQ(harness.wait_exit(3s), 0);
}

TEST(StdioServer, AClosedOutputStopsTheServer) {
    // The binary ignores SIGPIPE (SignalWatcher); a write to the closed pipe must then fail
    // cleanly rather than kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    StdioHarness harness;
    harness.close_output_reader();
    harness.send_line(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
    EXPECT_EQ(harness.wait_exit(3s), 0);
}

}  // namespace
}  // namespace cmcp::transport::stdio

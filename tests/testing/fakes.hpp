#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "catalog/catalog.hpp"
#include "protocol/call_limit.hpp"
#include "protocol/exchange.hpp"
#include "protocol/session.hpp"
#include "upstream/upstream.hpp"

namespace cmcp::testing {

upstream::Response json_response(int status, std::string body);

// An Upstream that records requests and answers from a script. A scripted answer may hold the
// call until release() or until the call is cancelled (for cancellation and ordering tests).
class FakeUpstream final : public upstream::Upstream {
  public:
    struct Script {
        upstream::Outcome outcome = upstream::Response{};
        bool hold = false;  // wait for release() or cancellation before answering
        std::function<void(upstream::CallControl&)> during;  // runs inside send()
    };

    boost::asio::awaitable<upstream::Outcome> send(const upstream::Request& request,
                                                   upstream::CallControl& control) override;

    void push(Script script);
    void push_json(int status, std::string body);
    void release_all();
    std::vector<upstream::Request> requests() const;
    // Waits until `count` requests have arrived.
    bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;

  private:
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::deque<Script> scripts_;
    std::vector<upstream::Request> requests_;
    bool released_ = false;
};

// Captures what a session sends for one inbound message.
class RecordingExchange final : public protocol::Exchange {
  public:
    void notify(boost::json::object notification) override;
    void finish(std::optional<boost::json::value> reply) override;

    bool wait_finished(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
    bool finished() const;
    std::optional<boost::json::value> reply() const;
    std::vector<boost::json::object> notifications() const;
    int finish_count() const;

  private:
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::vector<boost::json::object> notifications_;
    std::optional<boost::json::value> reply_;
    int finish_count_ = 0;
};

// An io_context run on a thread of its own for as long as the object lives: where a test's
// sessions run their tool calls.
class IoThread {
  public:
    IoThread();
    ~IoThread();
    IoThread(const IoThread&) = delete;
    IoThread& operator=(const IoThread&) = delete;
    boost::asio::any_io_executor executor() { return ioc_.get_executor(); }
    boost::asio::io_context& context() { return ioc_; }

  private:
    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
};

// Runs Upstream::send calls to their end, one after another, on one io_context kept between
// them (so that pooled connections are reused, as in a server); blocking, for upstream tests.
class UpstreamRunner {
  public:
    upstream::Outcome send(upstream::Upstream& upstream, const upstream::Request& request,
                           upstream::CallControl& control);
    boost::asio::io_context& context() { return ioc_; }

  private:
    boost::asio::io_context ioc_;
};

// One Upstream::send on an io_context of its own (nothing pooled survives it).
upstream::Outcome send_now(upstream::Upstream& upstream, const upstream::Request& request,
                           upstream::CallControl& control);

// One Upstream::send running on its own thread, which a test can cancel the way a session does
// (CallControl::cancel(), then a terminal cancellation of the call's coroutine) and then collect.
class PendingSend {
  public:
    PendingSend(upstream::Upstream& upstream, upstream::Request request,
                upstream::CallControl& control);
    ~PendingSend();
    void cancel();
    // Waits for the outcome; nullopt if none came within the timeout.
    std::optional<upstream::Outcome> wait(std::chrono::milliseconds timeout);

  private:
    struct State;
    std::shared_ptr<State> state_;
};

// The catalog compiled into the binary, loaded once for the whole test program.
const catalog::Catalog& embedded_catalog();

// A session over the embedded catalog with a fake upstream; owns everything it needs.
struct SessionFixture {
    explicit SessionFixture(protocol::SessionOptions options = {});
    ~SessionFixture();

    // Sends one message and waits for its reply; nullopt when none was owed.
    std::optional<boost::json::value> send(std::string_view text);
    std::shared_ptr<RecordingExchange> send_async(std::string_view text);
    // initialize with the given version, then notifications/initialized.
    boost::json::object initialize(std::string_view version = "2025-11-25");

    FakeUpstream upstream;
    protocol::CallLimit calls{256};
    IoThread io;
    Logger logger;
    protocol::Services services;
    std::shared_ptr<protocol::Session> session;
    // The scope send() and send_async() hand over: the fixture's executor, no narrowing.
    protocol::RequestScope scope() { return {nullptr, io.executor()}; }
};

}  // namespace cmcp::testing

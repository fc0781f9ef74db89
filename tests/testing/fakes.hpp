#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "protocol/exchange.hpp"
#include "protocol/session.hpp"
#include "support/task_runner.hpp"
#include "upstream/upstream.hpp"

namespace cmcp::testing {

upstream::Response json_response(int status, std::string body);

// An Upstream that records requests and answers from a script. A scripted answer may hold the
// call until release() (for cancellation and ordering tests).
class FakeUpstream final : public upstream::Upstream {
  public:
    struct Script {
        upstream::Outcome outcome = upstream::Response{};
        bool hold = false;  // wait for release() or cancellation before answering
        std::function<void(upstream::CallControl&)> during;  // runs inside send()
    };

    upstream::Outcome send(const upstream::Request& request,
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

// Runs tasks on a thread per task (so held calls do not block each other), or refuses them.
class ThreadRunner final : public TaskRunner {
  public:
    ~ThreadRunner() override;
    bool try_post(std::function<void()> task) override;
    void refuse_all(bool refuse) { refuse_ = refuse; }
    void join();

  private:
    std::mutex mutex_;
    std::vector<std::thread> threads_;
    bool refuse_ = false;
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
    ThreadRunner runner;
    Logger logger;
    protocol::Services services;
    std::shared_ptr<protocol::Session> session;
};

}  // namespace cmcp::testing

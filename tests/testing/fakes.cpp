#include "testing/fakes.hpp"

#include <thread>

#include "support/logging.hpp"

namespace cmcp::testing {

upstream::Response json_response(int status, std::string body) {
    upstream::Response response;
    response.status = status;
    response.content_type = "application/json";
    response.body = std::move(body);
    return response;
}

upstream::Outcome FakeUpstream::send(const upstream::Request& request,
                                     upstream::CallControl& control) {
    Script script;
    script.outcome = json_response(200, "{}");
    {
        std::lock_guard lock(mutex_);
        if (!scripts_.empty()) {
            script = std::move(scripts_.front());
            scripts_.pop_front();
        }
    }
    // Before the request counts as arrived, so that a test waiting for it sees what ran.
    if (script.during) {
        script.during(control);
    }
    {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
    }
    changed_.notify_all();
    if (script.hold) {
        while (!control.cancelled()) {
            std::unique_lock lock(mutex_);
            if (changed_.wait_for(lock, std::chrono::milliseconds(5),
                                  [this] { return released_; })) {
                break;
            }
        }
        if (control.cancelled()) {
            return upstream::Failure{upstream::FailureKind::cancelled, "cancelled", 1};
        }
    }
    return script.outcome;
}

void FakeUpstream::push(Script script) {
    std::lock_guard lock(mutex_);
    scripts_.push_back(std::move(script));
}

void FakeUpstream::push_json(int status, std::string body) {
    Script script;
    script.outcome = json_response(status, std::move(body));
    push(std::move(script));
}

void FakeUpstream::release_all() {
    {
        std::lock_guard lock(mutex_);
        released_ = true;
    }
    changed_.notify_all();
}

std::vector<upstream::Request> FakeUpstream::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

bool FakeUpstream::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

void RecordingExchange::notify(boost::json::object notification) {
    {
        std::lock_guard lock(mutex_);
        notifications_.push_back(std::move(notification));
    }
    changed_.notify_all();
}

void RecordingExchange::finish(std::optional<boost::json::value> reply) {
    {
        std::lock_guard lock(mutex_);
        reply_ = std::move(reply);
        ++finish_count_;
    }
    changed_.notify_all();
}

bool RecordingExchange::wait_finished(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return finish_count_ > 0; });
}

bool RecordingExchange::finished() const {
    std::lock_guard lock(mutex_);
    return finish_count_ > 0;
}

std::optional<boost::json::value> RecordingExchange::reply() const {
    std::lock_guard lock(mutex_);
    return reply_;
}

std::vector<boost::json::object> RecordingExchange::notifications() const {
    std::lock_guard lock(mutex_);
    return notifications_;
}

int RecordingExchange::finish_count() const {
    std::lock_guard lock(mutex_);
    return finish_count_;
}

ThreadRunner::~ThreadRunner() {
    join();
}

bool ThreadRunner::try_post(std::function<void()> task) {
    std::lock_guard lock(mutex_);
    if (refuse_) {
        return false;
    }
    threads_.emplace_back(std::move(task));
    return true;
}

void ThreadRunner::join() {
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        threads.swap(threads_);
    }
    for (auto& thread : threads) {
        thread.join();
    }
}

const catalog::Catalog& embedded_catalog() {
    static const catalog::Catalog catalog = catalog::Catalog::from_embedded({});
    return catalog;
}

SessionFixture::SessionFixture(protocol::SessionOptions options)
    : logger(make_null_logger()),
      services{embedded_catalog(),
               upstream,
               runner,
               logger,
               protocol::ServerIdentity{"credentials-mcp", "0.0.0-test", "Credentials MCP",
                                        "test instructions"},
               {},
               {}},
      session(protocol::Session::create(services, std::move(options))) {}

SessionFixture::~SessionFixture() {
    upstream.release_all();
    session->cancel_all();
    runner.join();
}

std::shared_ptr<RecordingExchange> SessionFixture::send_async(std::string_view text) {
    auto exchange = std::make_shared<RecordingExchange>();
    session->handle_text(text, exchange);
    return exchange;
}

std::optional<boost::json::value> SessionFixture::send(std::string_view text) {
    auto exchange = send_async(text);
    if (!exchange->wait_finished(std::chrono::seconds(10))) {
        throw std::runtime_error("no reply within 10 s to: " + std::string(text));
    }
    return exchange->reply();
}

boost::json::object SessionFixture::initialize(std::string_view version) {
    const auto reply =
        send(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":")" +
             std::string(version) +
             R"(","capabilities":{},"clientInfo":{"name":"test","version":"1"}}})");
    send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    return reply->as_object();
}

}  // namespace cmcp::testing

#include "testing/fakes.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "support/logging.hpp"

namespace cmcp::testing {

namespace net = boost::asio;

upstream::Response json_response(int status, std::string body) {
    upstream::Response response;
    response.status = status;
    response.content_type = "application/json";
    response.body = std::move(body);
    return response;
}

net::awaitable<upstream::Outcome> FakeUpstream::send(const upstream::Request& request,
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
        co_await net::this_coro::throw_if_cancelled(false);
        net::steady_timer tick(co_await net::this_coro::executor);
        for (;;) {
            {
                std::lock_guard lock(mutex_);
                if (released_) {
                    break;
                }
            }
            tick.expires_after(std::chrono::milliseconds(5));
            boost::system::error_code ec;
            co_await tick.async_wait(net::redirect_error(net::use_awaitable, ec));
            if (ec || control.cancelled()) {
                co_return upstream::Failure{upstream::FailureKind::cancelled, "cancelled", 1,
                                            control.request_sent()};
            }
        }
    }
    co_return script.outcome;
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

IoThread::IoThread() : work_(ioc_.get_executor()), thread_([this] { ioc_.run(); }) {}

IoThread::~IoThread() {
    work_.reset();
    ioc_.stop();
    thread_.join();
}

upstream::Outcome UpstreamRunner::send(upstream::Upstream& upstream,
                                       const upstream::Request& request,
                                       upstream::CallControl& control) {
    auto future = net::co_spawn(ioc_, upstream.send(request, control), net::use_future);
    ioc_.restart();
    ioc_.run();
    return future.get();
}

upstream::Outcome send_now(upstream::Upstream& upstream, const upstream::Request& request,
                           upstream::CallControl& control) {
    return UpstreamRunner().send(upstream, request, control);
}

struct PendingSend::State {
    upstream::CallControl* control = nullptr;
    net::io_context ioc;
    net::cancellation_signal cancellation;
    std::mutex mutex;
    std::condition_variable done;
    std::optional<upstream::Outcome> outcome;
    std::thread thread;
};

PendingSend::PendingSend(upstream::Upstream& upstream, upstream::Request request,
                         upstream::CallControl& control)
    : state_(std::make_shared<State>()) {
    auto state = state_;
    state->control = &control;
    net::co_spawn(
        state->ioc,
        [&upstream, request = std::move(request), &control]() -> net::awaitable<upstream::Outcome> {
            co_return co_await upstream.send(request, control);
        },
        net::bind_cancellation_slot(state->cancellation.slot(),
                                    [state](std::exception_ptr, upstream::Outcome outcome) {
                                        {
                                            std::lock_guard lock(state->mutex);
                                            state->outcome = std::move(outcome);
                                        }
                                        state->done.notify_all();
                                    }));
    state->thread = std::thread([state] { state->ioc.run(); });
}

PendingSend::~PendingSend() {
    cancel();
    state_->thread.join();
}

void PendingSend::cancel() {
    state_->control->cancel();
    // Weak: once the send is over nothing runs this, and a strong reference left queued in
    // the state's own io_context would keep the state alive for ever.
    net::post(state_->ioc, [weak = std::weak_ptr<State>(state_)] {
        if (const auto state = weak.lock()) {
            state->cancellation.emit(net::cancellation_type::terminal);
        }
    });
}

std::optional<upstream::Outcome> PendingSend::wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(state_->mutex);
    state_->done.wait_for(lock, timeout, [this] { return state_->outcome.has_value(); });
    return state_->outcome;
}

const catalog::Catalog& embedded_catalog() {
    static const catalog::Catalog catalog = catalog::Catalog::from_embedded({});
    return catalog;
}

SessionFixture::SessionFixture(protocol::SessionOptions options)
    : logger(make_null_logger()),
      services{embedded_catalog(),
               upstream,
               calls,
               logger,
               protocol::ServerIdentity{"credentials-mcp", "0.0.0-test", "Credentials MCP",
                                        "test instructions"},
               {},
               {}},
      session(protocol::Session::create(services, std::move(options))) {}

SessionFixture::~SessionFixture() {
    upstream.release_all();
    session->cancel_all();
    session->wait_idle(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

std::shared_ptr<RecordingExchange> SessionFixture::send_async(std::string_view text) {
    auto exchange = std::make_shared<RecordingExchange>();
    session->handle_text(text, exchange, scope());
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

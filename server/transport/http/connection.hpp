#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "protocol/exchange.hpp"
#include "support/logging.hpp"
#include "transport/http/http_options.hpp"
#include "transport/http/metrics.hpp"
#include "transport/http/readiness.hpp"
#include "transport/http/router.hpp"

namespace cmcp::transport::http {

class Connection;

// The connections alive, so that shutdown can reach them. Locked only when a connection opens
// or closes, never per request.
class ConnectionRegistry {
  public:
    std::uint64_t next_id() { return next_id_.fetch_add(1); }
    void add(std::uint64_t id, const std::shared_ptr<Connection>& connection);
    void remove(std::uint64_t id);
    std::size_t size() const { return size_.load(); }
    std::vector<std::shared_ptr<Connection>> snapshot() const;

  private:
    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> live_;
    std::atomic<std::uint64_t> next_id_{0};
    std::atomic<std::size_t> size_{0};
};

// What every connection of a server shares; owned by the server, outlives the connections.
struct ConnectionContext {
    Router& router;
    Metrics& metrics;
    Logger logger;
    const HttpServerOptions& options;
    ConnectionRegistry& registry;
    std::atomic<std::uint64_t>& next_stream;  // numbers SSE streams, for event ids
    const Readiness& readiness;               // once draining, every response closes
};

// Where a session sends what one POST caused. It hands everything to the connection's strand
// (where the POST's tool calls run too, so usually without a hand-off); what the session sends
// while the connection is handing it the message (quick answers) is queued on the connection
// instead, and handled as soon as the session returns. Holds the connection until finish(), or
// until detached at shutdown, after which late answers reach nothing.
class HttpExchange final : public protocol::Exchange {
  public:
    explicit HttpExchange(std::shared_ptr<Connection> connection);
    void notify(boost::json::object notification) override;
    void finish(std::optional<boost::json::value> reply) override;
    void finish_prepared(protocol::PreparedReply reply) override;
    // True if finish() had not been called yet.
    bool detach();

  private:
    // Hands the reply to the connection (once: later calls reach nothing).
    template <typename Reply>
    void conclude(void (Connection::*on_reply)(Reply), Reply reply);

    std::mutex mutex_;
    std::shared_ptr<Connection> connection_;
};

// One HTTP/1.1 connection: reads requests one at a time (keep-alive), routes them, and writes
// either a whole response or, when the session sends notifications before its answer, an SSE
// stream. Everything runs on the connection's strand.
class Connection : public std::enable_shared_from_this<Connection> {
  public:
    Connection(boost::asio::ip::tcp::socket socket, ConnectionContext& context);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void start();
    // Shutdown, step 1: close if waiting for a request; otherwise answer the current one and
    // close after it. Thread-safe.
    void stop_when_idle();
    // Shutdown, step 2 (grace over): cancel the tool calls this connection waits on.
    void cancel_calls();
    // Shutdown, step 3: close now.
    void force_close();
    // After the I/O threads have stopped: cut the link from a pending exchange to this
    // connection. Not thread-safe; only for the server's final teardown.
    void detach_exchange();

    // From HttpExchange: runs `work` on the strand: at once when already there, after the
    // session returns when called from inside its handling of this connection's message.
    void deliver(std::function<void()> work);
    // From deliver(), on the strand.
    void on_notify(boost::json::object notification);
    void on_finish(std::optional<boost::json::value> reply);
    void on_finish_prepared(protocol::PreparedReply reply);
    template <typename Conclude>
    void send_concluded(Conclude&& conclude);

  private:
    enum class Phase { reading, handling, writing, closed };

    void read_request();
    void read_header();
    void on_first_bytes(boost::beast::error_code ec, std::size_t bytes);
    void parse_header();
    void on_header();
    // Answers a request its head disqualified, without keeping its body.
    void refuse_before_body(Reply refusal);
    void skip_body();
    void read_body();
    void on_body(boost::beast::error_code ec, std::size_t bytes);
    void fail_read(boost::beast::error_code ec);
    void handle_request();
    void dispatch(Dispatch dispatch);
    // While a modern request's call runs: notices the client closing the connection.
    void watch_for_disconnect();
    void stop_watching();
    void send_reply(Reply reply);
    void on_written(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
    void pump();
    void on_pumped(boost::beast::error_code ec, std::size_t bytes);
    void on_stream_end(boost::beast::error_code ec, std::size_t bytes);
    void after_response(bool keep_alive);
    void linger();
    void discard_input();
    void log_request(int status, std::string_view rejection, std::string_view session_id);
    std::string next_event_id();
    // Whether the connection may carry another request after this one.
    bool reusable() const;
    void close();

    ConnectionContext& context_;
    const std::string peer_;  // "http <address>", for the audit log
    boost::beast::tcp_stream stream_;
    const boost::asio::any_io_executor executor_;
    const std::uint64_t id_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    Phase phase_ = Phase::reading;
    // The server is stopping: no request after the current one.
    std::atomic<bool> closing_{false};
    std::uint64_t requests_read_ = 0;
    bool unread_input_ = false;  // a refused request left bytes unread: linger, then close
    bool watching_ = false;      // watch_for_disconnect's wait is pending
    std::chrono::steady_clock::time_point linger_deadline_;
    std::uint64_t body_to_skip_ = 0;  // of a refused request, before the next one is read

    // The request being answered, for the log and metrics.
    std::string method_;
    std::string path_;
    bool keep_alive_ = false;
    std::chrono::steady_clock::time_point started_;

    bool waited_for_keys_ = false;  // this request already waited for the issuer's keys
    Admission admission_;           // what the head of the request in hand established
    std::optional<Dispatch> dispatch_;
    std::shared_ptr<HttpExchange> exchange_;
    // The thread inside Session::handle for this connection (none otherwise), and what the
    // session delivered meanwhile, to run once it returns.
    std::atomic<std::thread::id> handling_thread_{};
    std::vector<std::function<void()>> delivered_;
    // The session whose message is in hand, for cancel_calls().
    std::mutex calling_mutex_;
    std::shared_ptr<protocol::Session> calling_session_;
    std::optional<boost::beast::http::response<boost::beast::http::empty_body>> continue_;
    std::optional<Response> response_;
    std::optional<boost::beast::http::response<PreparedBody>> prepared_response_;

    // SSE answer: a chunked response whose chunks are events.
    std::optional<boost::beast::http::response<boost::beast::http::empty_body>> sse_head_;
    std::optional<boost::beast::http::response_serializer<boost::beast::http::empty_body>>
        sse_serializer_;
    std::deque<std::string> outbox_;
    bool streaming_ = false;
    bool head_sent_ = false;
    bool writing_ = false;
    bool stream_complete_ = false;  // the last event is queued; end the stream after it
    std::uint64_t stream_number_ = 0;
    std::uint64_t events_sent_ = 0;
    std::string stream_session_id_;
};

}  // namespace cmcp::transport::http

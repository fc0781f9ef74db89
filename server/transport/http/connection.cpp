#include "transport/http/connection.hpp"

#include <sys/socket.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <exception>
#include <utility>

#include "transport/http/sse.hpp"

namespace cmcp::transport::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
namespace json = boost::json;

namespace {

// Beast's default; a larger head is answered 431.
constexpr std::uint32_t kMaxHeaderBytes = 8 * 1024;
// First read after an idle keep-alive period, and each read of a head.
constexpr std::size_t kReadChunk = 4 * 1024;
// Once the head is in, the body (up to max_body_bytes) must follow within this.
constexpr std::chrono::seconds kBodyTimeout{30};
// A client that stops reading cannot pin a connection (and its buffers) for longer.
constexpr std::chrono::seconds kWriteTimeout{30};
// After refusing a request whose body was not read, the write side is shut and what the client
// still sends is read and discarded before closing, as nginx's lingering close does: closing
// with unread bytes would reset the connection, and a client still sending its body (curl,
// Python's http.client) would lose the refusal. Bounded in time, never in memory: a pause of
// kLingerIdle, or kLingerTotal in all, ends it.
constexpr std::chrono::seconds kLingerIdle{2};
constexpr std::chrono::seconds kLingerTotal{10};
constexpr std::size_t kLingerChunk = 16 * 1024;
// Enough of a path for the log; the rest is not worth a long line.
constexpr std::size_t kMaxLoggedPath = 100;
constexpr std::size_t kSessionIdLogPrefix = 8;

bool is_http_parse_error(const beast::error_code& ec) {
    return ec.category() == beast_http::make_error_code(beast_http::error::bad_target).category();
}

std::string method_label(beast_http::verb verb, std::string_view text) {
    return verb == beast_http::verb::unknown ? "OTHER" : std::string(text);
}

// RFC 9112 §3.2 and §6: what makes a request's framing or target ambiguous, so that a proxy in
// front may read it differently (request smuggling). The parser itself refuses Content-Length
// with chunked and differing Content-Lengths (answered 400 by fail_read). Such requests are
// answered without reading their body, and the connection is closed after.
std::optional<Reply> ambiguous_request(
    const beast_http::request_parser<beast_http::string_body>& parser) {
    const auto& head = parser.get();
    // Which Host would a proxy have checked? HTTP/1.0 may omit it (and is then answered 505).
    const auto hosts = head.count(beast_http::field::host);
    if (hosts > 1 || (hosts == 0 && head.version() == 11)) {
        return Reply{error_response(beast_http::status::bad_request,
                                    "Bad Request: exactly one Host header is required"),
                     "missing or repeated Host", ""};
    }
    const auto [first, last] = head.equal_range(beast_http::field::transfer_encoding);
    if (first == last) {
        return std::nullopt;
    }
    if (!parser.chunked()) {
        // The parser would read no body at all: its bytes would be taken for the next request.
        return Reply{error_response(beast_http::status::bad_request,
                                    "Bad Request: the last transfer coding must be chunked"),
                     "Transfer-Encoding does not end with chunked", ""};
    }
    for (auto it = first; it != last; ++it) {
        for (const auto coding : beast_http::token_list(it->value())) {
            if (!beast::iequals(coding, "chunked")) {
                // Framed correctly, but the body would need decoding this server does not do.
                return Reply{error_response(beast_http::status::not_implemented,
                                            "Not Implemented: the only transfer coding "
                                            "supported is chunked"),
                             "unsupported transfer coding", ""};
            }
        }
    }
    return std::nullopt;
}

// RFC 9112 §5.2: a line of a head that starts with a space or tab continues the previous one
// (obs-fold). Parsers join such lines differently, so a proxy and this server could see
// different headers; the head is refused instead. `head` ends with the empty line.
bool has_obs_fold(std::string_view head) {
    for (auto at = head.find("\r\n"); at != std::string_view::npos;
         at = head.find("\r\n", at + 2)) {
        if (at + 2 < head.size() && (head[at + 2] == ' ' || head[at + 2] == '\t')) {
            return true;
        }
    }
    return false;
}

Reply too_large_reply(std::size_t limit) {
    return Reply{
        error_response(beast_http::status::payload_too_large,
                       "Payload Too Large: the body exceeds " + std::to_string(limit) + " bytes"),
        "body too large", ""};
}

Reply internal_error_reply() {
    Reply reply;
    reply.response =
        error_response(beast_http::status::internal_server_error, "Internal Server Error");
    reply.rejection = "internal error";
    return reply;
}

}  // namespace

void ConnectionRegistry::add(std::uint64_t id, const std::shared_ptr<Connection>& connection) {
    std::lock_guard lock(mutex_);
    live_.emplace(id, connection);
    size_ = live_.size();
}

void ConnectionRegistry::remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    live_.erase(id);
    size_ = live_.size();
}

std::vector<std::shared_ptr<Connection>> ConnectionRegistry::snapshot() const {
    std::vector<std::shared_ptr<Connection>> all;
    std::lock_guard lock(mutex_);
    for (const auto& [_, weak] : live_) {
        if (auto connection = weak.lock()) {
            all.push_back(std::move(connection));
        }
    }
    return all;
}

HttpExchange::HttpExchange(std::shared_ptr<Connection> connection)
    : connection_(std::move(connection)) {}

void HttpExchange::notify(json::object notification) {
    std::lock_guard lock(mutex_);
    if (!connection_) {
        return;
    }
    connection_->deliver(
        [connection = connection_, notification = std::move(notification)]() mutable {
            connection->on_notify(std::move(notification));
        });
}

template <typename Reply>
void HttpExchange::conclude(void (Connection::*on_reply)(Reply), Reply reply) {
    std::lock_guard lock(mutex_);
    if (!connection_) {
        return;
    }
    auto connection = std::move(connection_);
    auto& target = *connection;
    target.deliver(
        [connection = std::move(connection), on_reply, reply = std::move(reply)]() mutable {
            ((*connection).*on_reply)(std::move(reply));
        });
}

void HttpExchange::finish(std::optional<json::value> reply) {
    conclude(&Connection::on_finish, std::move(reply));
}

void HttpExchange::finish_prepared(protocol::PreparedReply reply) {
    conclude(&Connection::on_finish_prepared, std::move(reply));
}

bool HttpExchange::detach() {
    std::lock_guard lock(mutex_);
    const bool pending = connection_ != nullptr;
    connection_.reset();
    return pending;
}

namespace {

// "http 203.0.113.7": who a stateless request came from, for the audit log.
std::string peer_of(const net::ip::tcp::socket& socket) {
    boost::system::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    return ec ? std::string("http") : "http " + endpoint.address().to_string();
}

}  // namespace

Connection::Connection(net::ip::tcp::socket socket, ConnectionContext& context)
    : context_(context),
      peer_(peer_of(socket)),
      stream_(std::move(socket)),
      executor_(stream_.get_executor()),
      id_(context.registry.next_id()) {}

Connection::~Connection() {
    context_.registry.remove(id_);
}

void Connection::start() {
    context_.registry.add(id_, shared_from_this());
    net::dispatch(executor_, [self = shared_from_this()] { self->read_request(); });
}

void Connection::stop_when_idle() {
    closing_ = true;
    net::post(executor_, [self = shared_from_this()] {
        if (self->phase_ == Phase::reading) {
            self->close();
        }
    });
}

void Connection::cancel_calls() {
    std::shared_ptr<protocol::Session> session;
    {
        std::lock_guard lock(calling_mutex_);
        session = calling_session_;
    }
    if (session) {
        session->cancel_all(protocol::CancelReason::server_shutdown);
    }
}

void Connection::force_close() {
    net::post(executor_, [self = shared_from_this()] {
        if (self->exchange_) {
            self->exchange_->detach();
            self->exchange_.reset();
        }
        self->dispatch_.reset();
        self->close();
    });
}

void Connection::detach_exchange() {
    if (exchange_) {
        exchange_->detach();
    }
}

void Connection::read_request() {
    phase_ = Phase::reading;
    if (closing_) {
        close();
        return;
    }
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    // Unlimited while the head is read, so that the parser does not answer 413 before the
    // request is screened: an unauthenticated client learns nothing, not even the size limit.
    // on_header() judges an announced length, and sets the limit for a chunked body.
    parser_->body_limit(boost::none);
    if (requests_read_ > 0 && buffer_.size() == 0) {
        // Between requests the idle timeout applies; the header timeout starts with the
        // first byte of the next request.
        stream_.expires_after(context_.options.idle_connection_timeout);
        stream_.async_read_some(
            buffer_.prepare(kReadChunk),
            beast::bind_front_handler(&Connection::on_first_bytes, shared_from_this()));
        return;
    }
    read_header();
}

void Connection::on_first_bytes(beast::error_code ec, std::size_t bytes) {
    if (ec) {
        close();  // idle timeout, or the client went away
        return;
    }
    buffer_.commit(bytes);
    read_header();
}

void Connection::read_header() {
    stream_.expires_after(context_.options.header_timeout);
    parse_header();
}

// The head is parsed here rather than by http::async_read_header, so that its raw bytes can be
// checked for obs-fold first: Beast's parser waits for the whole head before it consumes any of
// it, so the buffer holds it whole once its end has arrived.
void Connection::parse_header() {
    const auto data = buffer_.data();
    const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    if (const auto end = bytes.find("\r\n\r\n");
        end != std::string_view::npos && has_obs_fold(bytes.substr(0, end + 4))) {
        started_ = std::chrono::steady_clock::now();
        method_ = "-";
        path_ = "-";
        keep_alive_ = false;
        unread_input_ = true;
        send_reply(Reply{error_response(beast_http::status::bad_request,
                                        "Bad Request: header lines continued with leading "
                                        "whitespace (obs-fold) are not accepted"),
                         "obs-fold in the header", ""});
        return;
    }
    beast::error_code ec;
    const auto used = bytes.empty() ? 0 : parser_->put(data, ec);
    buffer_.consume(used);
    if (ec && ec != beast_http::error::need_more) {
        fail_read(ec);
        return;
    }
    if (parser_->is_header_done()) {
        on_header();
        return;
    }
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        [self = shared_from_this()](beast::error_code read_ec, std::size_t bytes_read) {
            if (read_ec) {
                self->fail_read(read_ec);
                return;
            }
            self->buffer_.commit(bytes_read);
            self->parse_header();
        });
}

void Connection::on_header() {
    started_ = std::chrono::steady_clock::now();
    const auto& head = parser_->get();
    method_ = method_label(head.method(), head.method_string());
    path_ = std::string(head.target().substr(0, std::min(head.target().find('?'), kMaxLoggedPath)));
    keep_alive_ = head.keep_alive();
    if (auto refusal = ambiguous_request(*parser_)) {
        keep_alive_ = false;
        unread_input_ = true;  // whatever follows cannot be trusted as a request
        send_reply(std::move(*refusal));
        return;
    }
    if (head.version() != 11) {
        keep_alive_ = false;
        unread_input_ = !parser_->is_done();
        send_reply(Reply{error_response(beast_http::status::http_version_not_supported,
                                        "HTTP Version Not Supported: use HTTP/1.1"),
                         "not HTTP/1.1", ""});
        return;
    }
    // Judged before the body is read, or invited with 100 Continue: a refused client costs no
    // memory, however large a body it announces.
    auto screened = context_.router.screen(head, peer_);
    if (auto* refusal = std::get_if<Reply>(&screened)) {
        waited_for_keys_ = false;
        refuse_before_body(std::move(*refusal));
        return;
    }
    if (std::holds_alternative<KeysNeeded>(screened)) {
        // The token names issuer keys not fetched yet: wait for them (no thread is held), then
        // judge the head again. Once only: a second wait would mean the keys never come.
        if (waited_for_keys_) {
            waited_for_keys_ = false;
            refuse_before_body(Reply{error_response(beast_http::status::service_unavailable,
                                                    "Service Unavailable: the authorization "
                                                    "server's keys cannot be fetched"),
                                     "issuer keys unavailable", ""});
            return;
        }
        waited_for_keys_ = true;
        context_.router.fetch_keys(stream_.get_executor(),
                                   [self = shared_from_this()] { self->on_header(); });
        return;
    }
    waited_for_keys_ = false;
    admission_ = std::get<Admission>(std::move(screened));
    const auto limit = context_.options.max_body_bytes;
    if (const auto length = parser_->content_length(); length && *length > limit) {
        keep_alive_ = false;
        unread_input_ = true;
        send_reply(too_large_reply(limit));
        return;
    }
    parser_->body_limit(limit);
    if (parser_->is_done()) {
        handle_request();
        return;
    }
    if (beast::iequals(head[beast_http::field::expect], "100-continue")) {
        continue_.emplace(beast_http::status::continue_, 11);
        stream_.expires_after(kWriteTimeout);
        beast_http::async_write(
            stream_, *continue_,
            [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                self->continue_.reset();
                if (write_ec) {
                    self->close();
                    return;
                }
                self->read_body();
            });
        return;
    }
    read_body();
}

void Connection::refuse_before_body(Reply refusal) {
    const auto length = parser_->content_length();
    const bool expects_continue =
        beast::iequals(parser_->get()[beast_http::field::expect], "100-continue");
    if (parser_->is_done()) {
        // No body: the connection stays usable.
    } else if (length && !parser_->chunked() && !expects_continue &&
               *length <= context_.options.max_body_bytes) {
        // A body of known, acceptable size is skipped without being kept, so that the client
        // may go on using the connection.
        body_to_skip_ = *length;
    } else {
        // A client waiting for 100 Continue will not send its body; a chunked or oversized one
        // is not worth reading. Either way the connection ends after the refusal.
        keep_alive_ = false;
        unread_input_ = true;
    }
    send_reply(std::move(refusal));
}

void Connection::skip_body() {
    const auto buffered = std::min<std::uint64_t>(buffer_.size(), body_to_skip_);
    buffer_.consume(static_cast<std::size_t>(buffered));
    body_to_skip_ -= buffered;
    if (body_to_skip_ == 0) {
        read_request();
        return;
    }
    stream_.async_read_some(buffer_.prepare(kLingerChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                                if (ec) {
                                    self->close();
                                    return;
                                }
                                self->buffer_.commit(bytes);
                                self->skip_body();
                            });
}

void Connection::read_body() {
    stream_.expires_after(kBodyTimeout);
    beast_http::async_read(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&Connection::on_body, shared_from_this()));
}

void Connection::on_body(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) {
        fail_read(ec);
        return;
    }
    handle_request();
}

void Connection::fail_read(beast::error_code ec) {
    if (phase_ == Phase::closed) {
        return;
    }
    const bool head_read = parser_ && parser_->is_header_done();
    if (!head_read) {
        method_ = "-";
        path_ = "-";
        started_ = std::chrono::steady_clock::now();
    }
    keep_alive_ = false;  // the rest of the stream cannot be trusted
    unread_input_ = true;
    if (ec == beast_http::error::header_limit) {
        send_reply(Reply{error_response(beast_http::status::request_header_fields_too_large,
                                        "Request Header Fields Too Large"),
                         "header too large", ""});
        return;
    }
    if (ec == beast_http::error::body_limit) {
        send_reply(too_large_reply(context_.options.max_body_bytes));
        return;
    }
    if (is_http_parse_error(ec) && ec != beast_http::error::end_of_stream &&
        ec != beast_http::error::partial_message) {
        send_reply(Reply{
            error_response(beast_http::status::bad_request, "Bad Request: malformed HTTP request"),
            "malformed HTTP", ""});
        return;
    }
    if (ec == beast::error::timeout) {
        context_.logger->debug("closing a connection: request not received in time");
    }
    close();  // end of stream, timeout, reset: nobody to answer
}

void Connection::handle_request() {
    phase_ = Phase::handling;
    ++requests_read_;
    stream_.expires_never();
    const auto request = parser_->release();
    parser_.reset();
    try {
        auto action = context_.router.route(request, admission_, peer_);
        if (auto* reply = std::get_if<Reply>(&action)) {
            send_reply(std::move(*reply));
        } else {
            dispatch(std::move(std::get<Dispatch>(action)));
        }
    } catch (const std::exception& error) {
        context_.logger->error("handling {} {} failed: {}", method_, path_, error.what());
        send_reply(internal_error_reply());
    }
}

void Connection::dispatch(Dispatch action) {
    dispatch_.emplace(std::move(action));
    exchange_ = std::make_shared<HttpExchange>(shared_from_this());
    {
        std::lock_guard lock(calling_mutex_);
        calling_session_ = dispatch_->session;
    }
    // Quick methods finish inside handle(): their answer waits in delivered_ and is written
    // right after. Tool calls finish later, from their coroutine on this strand.
    handling_thread_.store(std::this_thread::get_id());
    bool failed = false;
    try {
        dispatch_->session->handle(dispatch_->message, exchange_, dispatch_->scope(executor_));
    } catch (const std::exception& error) {
        context_.logger->error("session failed on {} {}: {}", method_, path_, error.what());
        failed = true;
    }
    handling_thread_.store(std::thread::id{});
    if (failed && exchange_ && exchange_->detach()) {
        exchange_.reset();
        dispatch_.reset();
        send_reply(internal_error_reply());
    }
    auto delivered = std::move(delivered_);
    delivered_.clear();
    for (auto& work : delivered) {
        work();
    }
    if (phase_ == Phase::handling && dispatch_ && dispatch_->modern) {
        watch_for_disconnect();
    }
}

void Connection::watch_for_disconnect() {
    watching_ = true;
    stream_.socket().async_wait(
        net::socket_base::wait_read, [self = shared_from_this()](beast::error_code ec) {
            if (ec == net::error::operation_aborted) {
                // stop_watching() cleared the flag, and a newer wait may have set it since.
                return;
            }
            self->watching_ = false;
            if (ec || self->phase_ != Phase::handling || !self->dispatch_) {
                return;  // stopped, or answered meanwhile
            }
            char byte = 0;
            const auto peeked =
                ::recv(self->stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
            if (peeked > 0 || (peeked < 0 && (errno == EAGAIN || errno == EINTR))) {
                return;  // the start of a pipelined request: it waits for its turn
            }
            // MCP 2026-07-28 over HTTP: closing the response stream is how a client cancels.
            self->context_.logger->info("{} {}: the client went away; cancelling its request",
                                        self->method_, self->path_);
            self->dispatch_->session->cancel_all(protocol::CancelReason::session_ended);
            self->close();
        });
}

void Connection::stop_watching() {
    if (watching_) {
        beast::error_code ignored;
        stream_.socket().cancel(ignored);
        watching_ = false;
    }
}

void Connection::deliver(std::function<void()> work) {
    if (handling_thread_.load() == std::this_thread::get_id()) {
        delivered_.push_back(std::move(work));
        return;
    }
    // From a tool call's coroutine this is the strand already: no hand-off.
    net::dispatch(executor_, std::move(work));
}

void Connection::on_notify(json::object notification) {
    if (phase_ != Phase::handling || !dispatch_) {
        return;
    }
    if (!streaming_) {
        streaming_ = true;
        head_sent_ = false;
        stream_complete_ = false;
        stream_number_ = context_.next_stream.fetch_add(1);
        events_sent_ = 0;
        stream_session_id_ = dispatch_->session_id;
        sse_head_.emplace(beast_http::status::ok, 11);
        sse_head_->set(beast_http::field::content_type, "text/event-stream");
        sse_head_->set(beast_http::field::cache_control, "no-cache");
        sse_head_->keep_alive(reusable());
        sse_head_->chunked(true);
        sse_serializer_.emplace(*sse_head_);
    }
    outbox_.push_back(sse_event(next_event_id(), notification));
    pump();
}

// Whatever concluding throws becomes a 500: the client always gets an answer.
template <typename Conclude>
void Connection::send_concluded(Conclude&& conclude) {
    Reply answer;
    try {
        answer = std::forward<Conclude>(conclude)();
    } catch (const std::exception& error) {
        context_.logger->error("answering {} {} failed: {}", method_, path_, error.what());
        answer = internal_error_reply();
    }
    dispatch_.reset();
    send_reply(std::move(answer));
}

void Connection::on_finish(std::optional<json::value> reply) {
    exchange_.reset();
    if (phase_ != Phase::handling || !dispatch_) {
        dispatch_.reset();
        return;  // the connection failed meanwhile; nobody to tell
    }
    if (streaming_) {
        if (reply) {
            outbox_.push_back(sse_event(next_event_id(), *reply));
        }
        stream_complete_ = true;
        dispatch_.reset();
        pump();
        return;
    }
    send_concluded([&] { return context_.router.conclude(*dispatch_, std::move(reply)); });
}

void Connection::on_finish_prepared(protocol::PreparedReply reply) {
    if (streaming_ || phase_ != Phase::handling || !dispatch_) {
        // Rare (notifications went first, or the connection failed): the general path.
        on_finish(json::parse(reply.text()));
        return;
    }
    exchange_.reset();
    send_concluded([&] { return context_.router.conclude_prepared(*dispatch_, std::move(reply)); });
}

bool Connection::reusable() const {
    // While draining, a client (or balancer) is told to take its next request elsewhere.
    return keep_alive_ && !closing_ && context_.readiness.ready();
}

std::string Connection::next_event_id() {
    return std::to_string(stream_number_) + "-" + std::to_string(++events_sent_);
}

void Connection::pump() {
    if (writing_ || phase_ == Phase::closed) {
        return;
    }
    if (!head_sent_) {
        writing_ = true;
        stream_.expires_after(kWriteTimeout);
        beast_http::async_write_header(
            stream_, *sse_serializer_,
            beast::bind_front_handler(&Connection::on_pumped, shared_from_this()));
        return;
    }
    if (!outbox_.empty()) {
        writing_ = true;
        stream_.expires_after(kWriteTimeout);
        net::async_write(stream_, beast_http::make_chunk(net::buffer(outbox_.front())),
                         beast::bind_front_handler(&Connection::on_pumped, shared_from_this()));
        return;
    }
    if (stream_complete_) {
        writing_ = true;
        stream_.expires_after(kWriteTimeout);
        net::async_write(stream_, beast_http::make_chunk_last(),
                         beast::bind_front_handler(&Connection::on_stream_end, shared_from_this()));
        return;
    }
    stream_.expires_never();  // the tool call is still running
}

void Connection::on_pumped(beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    if (ec) {
        close();
        return;
    }
    if (!head_sent_) {
        head_sent_ = true;
    } else {
        outbox_.pop_front();
    }
    pump();
}

void Connection::on_stream_end(beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    const bool keep_alive = sse_head_->keep_alive();
    streaming_ = false;
    sse_serializer_.reset();
    sse_head_.reset();
    if (ec) {
        close();
        return;
    }
    log_request(200, "", stream_session_id_);
    after_response(keep_alive);
}

void Connection::send_reply(Reply reply) {
    phase_ = Phase::writing;
    auto& response = reply.response;
    context_.router.shape(response);
    response.version(11);
    response.keep_alive(reusable());
    const bool keep_alive = response.keep_alive();
    log_request(response.result_int(), reply.rejection, reply.session_id);
    stream_.expires_after(kWriteTimeout);
    auto written =
        beast::bind_front_handler(&Connection::on_written, shared_from_this(), keep_alive);
    if (reply.prepared) {
        prepared_response_.emplace(std::move(response.base()), std::move(*reply.prepared));
        prepared_response_->prepare_payload();
        beast_http::async_write(stream_, *prepared_response_, std::move(written));
        return;
    }
    response.prepare_payload();
    response_.emplace(std::move(response));
    beast_http::async_write(stream_, *response_, std::move(written));
}

void Connection::on_written(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
    response_.reset();
    prepared_response_.reset();
    if (ec) {
        close();
        return;
    }
    after_response(keep_alive);
}

void Connection::after_response(bool keep_alive) {
    stop_watching();
    {
        std::lock_guard lock(calling_mutex_);
        calling_session_.reset();
    }
    if (unread_input_) {
        linger();
        return;
    }
    if (!keep_alive || closing_) {
        close();
        return;
    }
    if (body_to_skip_ > 0) {
        stream_.expires_after(kBodyTimeout);  // for the whole body, as when one is read
        skip_body();
        return;
    }
    read_request();
}

void Connection::linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    linger_deadline_ = std::chrono::steady_clock::now() + kLingerTotal;
    buffer_.clear();
    discard_input();
}

void Connection::discard_input() {
    const auto now = std::chrono::steady_clock::now();
    if (now >= linger_deadline_ || phase_ == Phase::closed) {
        close();
        return;
    }
    stream_.expires_after(
        std::min<std::chrono::steady_clock::duration>(kLingerIdle, linger_deadline_ - now));
    stream_.async_read_some(buffer_.prepare(kLingerChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                if (ec) {
                                    self->close();
                                    return;
                                }
                                self->discard_input();
                            });
}

void Connection::log_request(int status, std::string_view rejection, std::string_view session_id) {
    context_.metrics.record_http_request(method_, status);
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started_);
    const auto session = session_id.substr(0, kSessionIdLogPrefix);
    if (!rejection.empty()) {
        context_.logger->warn("rejected {} {}: {} ({}){}{}", method_, path_, status, rejection,
                              session.empty() ? "" : " session=", session);
        return;
    }
    context_.logger->debug("{} {} {} {} ms{}{}", method_, path_, status, elapsed.count(),
                           session.empty() ? "" : " session=", session);
}

void Connection::close() {
    if (phase_ == Phase::closed) {
        return;
    }
    phase_ = Phase::closed;
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
}

}  // namespace cmcp::transport::http

#include "upstream/upstream_connection.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <cerrno>
#include <stdexcept>

#include "upstream/name_lookup.hpp"

namespace cmcp::upstream {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::system::error_code;
using net::ip::tcp;

// Vendors send well under 2 KiB of headers; more than this is not an API answer.
constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;
// A server or proxy may send interim answers (100 Continue, 103 Early Hints) before the
// response; more than this is a peer stalling, not an API.
constexpr int kMaxInterimResponses = 8;

bool is_ip_literal(const std::string& host) {
    in_addr v4{};
    in6_addr v6{};
    return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
           ::inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

std::string verify_failure(long result, const std::string& host) {
    if (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        return "the certificate does not match the host name " + host;
    }
    return X509_verify_cert_error_string(result);
}

bool is_interim(unsigned status) {
    return status >= 100 && status < 200 && status != 101;
}

// Whether the awaiting coroutine was cancelled (its slot emitted), as
// was_cancelled(co_await net::this_coro::cancellation_state): read in the coroutine itself, since
// GCC 12 miscompiles small helper coroutines that only do this.
bool was_cancelled(const net::cancellation_state& state) {
    return state.cancelled() != net::cancellation_type::none;
}

// How an I/O step ended, in the terms of an exchange.
ExchangeError classify(const error_code& ec, Clock::time_point deadline, ExchangeError timed_out,
                       bool cancelled) {
    if (ec == beast::error::timeout) {
        return Clock::now() >= deadline ? ExchangeError::deadline : timed_out;
    }
    if (cancelled) {
        return ExchangeError::cancelled;
    }
    if (ec == http::error::body_limit) {
        return ExchangeError::too_large;
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == net::error::eof || ec == net::error::connection_reset ||
        ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated) {
        // A TLS peer that closes without close_notify ends here too: a cut, not an end.
        return ExchangeError::closed_early;
    }
    return ExchangeError::malformed;
}

}  // namespace

std::unique_ptr<net::ssl::context> make_tls_context(const std::string& ca_bundle_path) {
    auto context = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    context->set_verify_mode(net::ssl::verify_peer);
    const bool loaded = ca_bundle_path.empty() ? SSL_CTX_set_default_verify_paths(native) == 1
                                               : SSL_CTX_load_verify_locations(
                                                     native, ca_bundle_path.c_str(), nullptr) == 1;
    ERR_clear_error();
    if (!loaded) {
        throw std::invalid_argument(
            "Could not load the CA certificates from " +
            (ca_bundle_path.empty() ? std::string("the system store") : ca_bundle_path));
    }
    return context;
}

UpstreamConnection::UpstreamConnection(std::variant<Plain, Tls> stream)
    : stream_(std::move(stream)) {}

UpstreamConnection::Plain& UpstreamConnection::lowest_layer() {
    return std::visit([](auto& stream) -> Plain& { return beast::get_lowest_layer(stream); },
                      stream_);
}

net::awaitable<UpstreamConnection::Opened> UpstreamConnection::open(
    const BaseUrl& origin, net::ssl::context* tls, std::chrono::milliseconds connect_timeout,
    Clock::time_point deadline) {
    const auto executor = co_await net::this_coro::executor;
    const auto step_deadline = std::min(deadline, Clock::now() + connect_timeout);
    Opened opened;

    auto lookup = co_await look_up(origin.host, origin.port, step_deadline);
    switch (lookup.outcome) {
        case NameLookup::Outcome::found:
            break;
        case NameLookup::Outcome::cancelled:
            opened.error = ConnectError::cancelled;
            co_return opened;
        case NameLookup::Outcome::timeout:
            opened.error = ConnectError::timeout;
            opened.detail = "resolving " + origin.host + " took too long";
            co_return opened;
        case NameLookup::Outcome::busy:
            opened.error = ConnectError::unreachable;
            opened.detail =
                "cannot resolve " + origin.host + " (too many name lookups are still running)";
            co_return opened;
        case NameLookup::Outcome::not_found:
            opened.error = ConnectError::unreachable;
            opened.detail = "cannot resolve " + origin.host + " (" + lookup.detail + ")";
            co_return opened;
    }
    const auto endpoints = std::move(lookup.endpoints);

    Plain plain(executor);
    plain.expires_at(step_deadline);
    error_code connect_ec;
    co_await plain.async_connect(endpoints, net::redirect_error(net::use_awaitable, connect_ec));
    if (connect_ec) {
        const bool cancelled = was_cancelled(co_await net::this_coro::cancellation_state);
        opened.error = connect_ec == beast::error::timeout ? ConnectError::timeout
                       : cancelled                         ? ConnectError::cancelled
                                                           : ConnectError::unreachable;
        opened.detail = connect_ec.message();
        if (!opened.detail.empty()) {
            // Read inside a sentence: "Could not connect to X: connection refused."
            opened.detail[0] =
                static_cast<char>(std::tolower(static_cast<unsigned char>(opened.detail[0])));
        }
        co_return opened;
    }
    error_code ignored;
    plain.socket().set_option(tcp::no_delay(true), ignored);
    if (tls == nullptr) {
        opened.connection = std::make_unique<UpstreamConnection>(std::move(plain));
        co_return opened;
    }

    Tls stream(std::move(plain), *tls);
    SSL* ssl = stream.native_handle();
    const bool ip_literal = is_ip_literal(origin.host);
    // Without a name to check, any certificate the store trusts would do: fail closed.
    const bool named =
        ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), origin.host.c_str()) == 1
                   : SSL_set1_host(ssl, origin.host.c_str()) == 1;
    if (!named) {
        ERR_clear_error();
        opened.error = ConnectError::tls_failed;
        opened.detail = "the TLS session could not be set up for " + origin.host;
        co_return opened;
    }
    if (!ip_literal) {
        // SSL_set_tlsext_host_name() is a macro with a C cast.
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(origin.host.c_str()));
    }
    beast::get_lowest_layer(stream).expires_at(step_deadline);
    error_code handshake_ec;
    co_await stream.async_handshake(net::ssl::stream_base::client,
                                    net::redirect_error(net::use_awaitable, handshake_ec));
    if (handshake_ec) {
        const long verified = SSL_get_verify_result(ssl);
        const bool cancelled = was_cancelled(co_await net::this_coro::cancellation_state);
        if (handshake_ec == beast::error::timeout) {
            opened.error = ConnectError::tls_timeout;
        } else if (cancelled) {
            opened.error = ConnectError::cancelled;
        } else if (verified != X509_V_OK) {
            opened.error = ConnectError::tls_untrusted;
            opened.detail = verify_failure(verified, origin.host);
        } else {
            opened.error = ConnectError::tls_failed;
            // OpenSSL's reason, e.g. "wrong version number" for a server that does not speak
            // TLS.
            const char* reason = ERR_reason_error_string(handshake_ec.value());
            opened.detail = reason != nullptr ? reason : handshake_ec.message();
        }
        ERR_clear_error();
        co_return opened;
    }
    opened.connection = std::make_unique<UpstreamConnection>(std::move(stream));
    co_return opened;
}

net::awaitable<ExchangeResult> UpstreamConnection::exchange(WireRequest& request,
                                                            const ExchangeLimits& limits,
                                                            Clock::time_point deadline) {
    if (auto* plain = std::get_if<Plain>(&stream_)) {
        co_return co_await exchange_on(*plain, request, limits, deadline);
    }
    co_return co_await exchange_on(std::get<Tls>(stream_), request, limits, deadline);
}

template <typename Stream>
net::awaitable<ExchangeResult> UpstreamConnection::exchange_on(Stream& stream, WireRequest& request,
                                                               const ExchangeLimits& limits,
                                                               Clock::time_point deadline) {
    ExchangeResult result;
    reusable_ = false;
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_at(std::min(deadline, Clock::now() + limits.write_timeout));
    error_code write_ec;
    co_await http::async_write(stream, request, net::redirect_error(net::use_awaitable, write_ec));
    if (write_ec) {
        const bool cancelled = was_cancelled(co_await net::this_coro::cancellation_state);
        result.error = classify(write_ec, deadline, ExchangeError::write_timeout, cancelled);
        if (result.error != ExchangeError::write_timeout &&
            result.error != ExchangeError::deadline && result.error != ExchangeError::cancelled) {
            result.error = ExchangeError::write_failed;
        }
        co_return result;
    }

    // One limit for the whole response, interim answers included: a peer that drips bytes or
    // 1xx answers cannot stretch it.
    lowest.expires_at(std::min(deadline, Clock::now() + limits.read_timeout));
    std::optional<http::response_parser<http::string_body>> parser;
    for (int interim = 0;; ++interim) {
        parser.emplace();
        parser->header_limit(kMaxHeaderBytes);
        parser->body_limit(limits.max_response_bytes);
        parser->skip(request.method() == http::verb::head);
        error_code read_ec;
        co_await http::async_read(stream, buffer_, *parser,
                                  net::redirect_error(net::use_awaitable, read_ec));
        if (read_ec) {
            const bool cancelled = was_cancelled(co_await net::this_coro::cancellation_state);
            result.error = classify(read_ec, deadline, ExchangeError::read_timeout, cancelled);
            if (result.error == ExchangeError::malformed) {
                result.detail = read_ec == http::error::header_limit
                                    ? "its headers are larger than " +
                                          std::to_string(kMaxHeaderBytes / 1024) + " KiB"
                                    : read_ec.message();
            }
            co_return result;
        }
        if (!is_interim(parser->get().result_int())) {
            break;
        }
        if (interim + 1 >= kMaxInterimResponses) {
            result.error = ExchangeError::malformed;
            result.detail = "more than " + std::to_string(kMaxInterimResponses) +
                            " interim (1xx) answers before the response";
            co_return result;
        }
    }
    lowest.expires_never();
    if (parser->need_eof() && std::is_same_v<Stream, Plain>) {
        // No length and not chunked: the body ended with the connection, which over plain TCP
        // cannot be told apart from a cut. (Over TLS the peer's close_notify marks a real end;
        // a TLS close without it failed above as stream_truncated.)
        result.error = ExchangeError::closed_early;
        result.detail = "the response had no length and ended with the connection";
        co_return result;
    }
    auto& message = parser->get();
    result.status = static_cast<int>(message.result_int());
    result.content_type = std::string(message[http::field::content_type]);
    if (const auto found = message.find(http::field::retry_after); found != message.end()) {
        result.retry_after = std::string(found->value());
    }
    result.body = std::move(message.body());
    // Bytes beyond the response mean the peer and this client disagree about framing.
    reusable_ = parser->keep_alive() && !parser->need_eof() && buffer_.size() == 0;
    if constexpr (std::is_same_v<Stream, Tls>) {
        SSL* ssl = stream.native_handle();
        reusable_ = reusable_ && SSL_pending(ssl) == 0 && BIO_pending(SSL_get_rbio(ssl)) == 0;
    }
    co_return result;
}

bool UpstreamConnection::still_open() {
    if (buffer_.size() > 0) {
        return false;
    }
    if (const auto* tls = std::get_if<Tls>(&stream_)) {
        SSL* ssl = const_cast<Tls*>(tls)->native_handle();
        if (SSL_pending(ssl) > 0 || BIO_pending(SSL_get_rbio(ssl)) > 0) {
            return false;  // bytes nobody asked for, already read from the socket
        }
    }
    // A closed peer reads as EOF; a live, quiet one as "nothing yet". Anything that arrived
    // unasked (data, or TLS records) makes the connection's state unknown: not reused.
    char byte = 0;
    const auto peeked =
        ::recv(lowest_layer().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace cmcp::upstream

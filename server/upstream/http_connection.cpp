#include "upstream/http_connection.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <climits>
#include <stdexcept>

#include "upstream/in_flight.hpp"

namespace cmcp::upstream {

namespace {

namespace http = boost::beast::http;
namespace net = boost::asio;
using boost::system::error_code;

// Vendors send well under 2 KiB of headers; more than this is not an API answer.
constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;

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

int ssl_length(std::size_t size) {
    return static_cast<int>(std::min<std::size_t>(size, INT_MAX));
}

// Beast's SyncReadStream over HttpConnection::read_some.
class ResponseStream {
  public:
    ResponseStream(HttpConnection& connection, const ExchangeLimits& limits)
        : connection_(connection), limits_(limits) {}

    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers, error_code& ec) {
        ec = {};
        for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
             ++it) {
            const net::mutable_buffer buffer = *it;
            if (buffer.size() == 0) {
                continue;
            }
            auto status = HttpConnection::IoStatus::ok;
            const std::size_t read = connection_.read_some(
                buffer.data(), buffer.size(), limits_.read_timeout, limits_.spin, status);
            switch (status) {
                case HttpConnection::IoStatus::ok:
                    return read;
                case HttpConnection::IoStatus::closed:
                    ec = net::error::eof;
                    break;
                case HttpConnection::IoStatus::timed_out:
                    ec = net::error::timed_out;
                    break;
                case HttpConnection::IoStatus::failed:
                    ec = net::error::connection_reset;
                    break;
            }
            return 0;
        }
        return 0;
    }

    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers) {
        error_code ec;
        const std::size_t read = read_some(buffers, ec);
        if (ec) {
            throw boost::system::system_error(ec);
        }
        return read;
    }

  private:
    HttpConnection& connection_;
    const ExchangeLimits& limits_;
};

HttpConnection::IoStatus io_status(SocketWait waited) {
    switch (waited) {
        case SocketWait::ready:
            return HttpConnection::IoStatus::ok;
        case SocketWait::timed_out:
            return HttpConnection::IoStatus::timed_out;
        case SocketWait::failed:
            break;
    }
    return HttpConnection::IoStatus::failed;
}

bool is_interim(unsigned status) {
    return status >= 100 && status < 200 && status != 101;
}

ExchangeError classify_read_error(const error_code& ec) {
    if (ec == http::error::body_limit) {
        return ExchangeError::too_large;
    }
    if (ec == net::error::timed_out) {
        return ExchangeError::read_timeout;
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == net::error::eof || ec == net::error::connection_reset) {
        return ExchangeError::closed_early;
    }
    return ExchangeError::malformed;
}

}  // namespace

void SslDeleter::operator()(SSL* ssl) const {
    SSL_free(ssl);
}

void SslDeleter::operator()(SSL_CTX* context) const {
    SSL_CTX_free(context);
}

TlsContext::TlsContext(const std::string& ca_bundle_path)
    : context_(SSL_CTX_new(TLS_client_method())) {
    if (!context_) {
        throw std::invalid_argument("OpenSSL could not create a TLS client context.");
    }
    SSL_CTX* context = context_.get();
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // A peer that closes without close_notify ends the stream as a plain TCP close would: a
    // body delimited by the close is complete, one with a length is still checked.
    SSL_CTX_set_options(context, SSL_OP_IGNORE_UNEXPECTED_EOF);
    const bool loaded = ca_bundle_path.empty() ? SSL_CTX_set_default_verify_paths(context) == 1
                                               : SSL_CTX_load_verify_locations(
                                                     context, ca_bundle_path.c_str(), nullptr) == 1;
    ERR_clear_error();
    if (!loaded) {
        throw std::invalid_argument(
            "Could not load the CA certificates from " +
            (ca_bundle_path.empty() ? std::string("the system store") : ca_bundle_path));
    }
}

TlsContext::~TlsContext() = default;

HttpConnection::HttpConnection(UniqueFd socket, std::unique_ptr<SSL, SslDeleter> tls)
    : socket_(std::move(socket)), tls_(std::move(tls)) {}

HttpConnection::~HttpConnection() {
    if (tls_ && reusable_) {
        // close_notify, best effort: the socket is non-blocking and about to close.
        ERR_clear_error();
        SSL_shutdown(tls_.get());
        ERR_clear_error();
    }
}

HttpConnection::Opened HttpConnection::open(const BaseUrl& origin, const TlsContext* tls,
                                            SteadyClock::time_point deadline, InFlight& exchange) {
    Opened opened;
    TcpConnect tcp = connect_tcp(origin.host, origin.port, deadline, exchange);
    if (exchange.aborted()) {
        opened.error = ConnectError::cancelled;
        return opened;
    }
    if (!tcp.socket) {
        opened.error = tcp.timed_out ? ConnectError::timeout : ConnectError::unreachable;
        opened.detail = std::move(tcp.problem);
        return opened;
    }
    std::unique_ptr<SSL, SslDeleter> ssl;
    if (tls != nullptr) {
        const bool ip_literal = is_ip_literal(origin.host);
        ssl.reset(SSL_new(tls->get()));
        // Without a name to check, any certificate the store trusts would do: fail closed.
        const bool named = ssl && SSL_set_fd(ssl.get(), tcp.socket.get()) == 1 &&
                           (ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()),
                                                                       origin.host.c_str()) == 1
                                       : SSL_set1_host(ssl.get(), origin.host.c_str()) == 1);
        if (!named) {
            ERR_clear_error();
            opened.error = ConnectError::tls_failed;
            opened.detail = "the TLS session could not be set up for " + origin.host;
            return opened;
        }
        if (!ip_literal) {
            // SSL_set_tlsext_host_name() is a macro with a C cast.
            SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(origin.host.c_str()));
        }
    }
    auto connection = std::make_unique<HttpConnection>(std::move(tcp.socket), std::move(ssl));
    if (tls != nullptr) {
        if (!exchange.attach(connection->socket_.get())) {
            opened.error = ConnectError::cancelled;
            return opened;
        }
        opened.error = connection->handshake(deadline, opened.detail, origin.host);
        exchange.detach();
        if (exchange.aborted()) {
            opened.error = ConnectError::cancelled;
        }
        if (opened.error != ConnectError::none) {
            return opened;
        }
    }
    opened.connection = std::move(connection);
    return opened;
}

ConnectError HttpConnection::handshake(SteadyClock::time_point deadline, std::string& detail,
                                       const std::string& host) {
    while (true) {
        ERR_clear_error();
        const int rc = SSL_connect(tls_.get());
        if (rc == 1) {
            return ConnectError::none;
        }
        const int error = SSL_get_error(tls_.get(), rc);
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
            const char* reason = ERR_reason_error_string(ERR_peek_last_error());
            ERR_clear_error();
            const long verify = SSL_get_verify_result(tls_.get());
            if (verify != X509_V_OK) {
                detail = verify_failure(verify, host);
                return ConnectError::tls_untrusted;
            }
            // OpenSSL's reason, e.g. "wrong version number" for a server that does not speak TLS.
            detail = reason != nullptr ? reason : "";
            return ConnectError::tls_failed;
        }
        switch (wait_for_socket(socket_.get(), error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
                                deadline)) {
            case SocketWait::ready:
                break;
            case SocketWait::timed_out:
                return ConnectError::tls_timeout;
            case SocketWait::failed:
                return ConnectError::tls_failed;
        }
    }
}

std::size_t HttpConnection::transfer(bool reading, char* data, std::size_t size,
                                     SteadyClock::duration timeout, SpinBudget* spin,
                                     IoStatus& status) {
    const auto deadline = SteadyClock::now() + timeout;
    while (true) {
        short awaited = reading ? POLLIN : POLLOUT;
        if (tls_) {
            ERR_clear_error();
            const int done = reading ? SSL_read(tls_.get(), data, ssl_length(size))
                                     : SSL_write(tls_.get(), data, ssl_length(size));
            if (done > 0) {
                status = IoStatus::ok;
                return static_cast<std::size_t>(done);
            }
            const int error = SSL_get_error(tls_.get(), done);
            if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
                ERR_clear_error();
                status = error == SSL_ERROR_ZERO_RETURN ? IoStatus::closed : IoStatus::failed;
                return 0;
            }
            // TLS may need to read in order to write, and the other way round.
            awaited = error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        } else {
            const ssize_t done = reading ? ::recv(socket_.get(), data, size, 0)
                                         : ::send(socket_.get(), data, size, MSG_NOSIGNAL);
            if (done > 0) {
                status = IoStatus::ok;
                return static_cast<std::size_t>(done);
            }
            if (done == 0) {
                status = IoStatus::closed;
                return 0;
            }
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                status = IoStatus::failed;
                return 0;
            }
        }
        status = io_status(wait_for_socket(socket_.get(), awaited, deadline, spin));
        if (status != IoStatus::ok) {
            return 0;
        }
    }
}

std::size_t HttpConnection::read_some(void* data, std::size_t size, SteadyClock::duration timeout,
                                      SpinBudget* spin, IoStatus& status) {
    return transfer(true, static_cast<char*>(data), size, timeout, spin, status);
}

HttpConnection::IoStatus HttpConnection::write_all(std::string_view data,
                                                   SteadyClock::duration timeout) {
    while (!data.empty()) {
        auto status = IoStatus::ok;
        // send() and SSL_write() only read the buffer; transfer() serves both directions.
        const std::size_t written =
            transfer(false, const_cast<char*>(data.data()), data.size(), timeout, nullptr, status);
        if (status != IoStatus::ok) {
            return status;
        }
        data.remove_prefix(written);
    }
    return IoStatus::ok;
}

ExchangeResult HttpConnection::exchange(std::string_view request, bool head_request,
                                        const ExchangeLimits& limits, InFlight& in_flight) {
    ExchangeResult result;
    reusable_ = false;
    if (!in_flight.attach(socket_.get())) {
        result.error = ExchangeError::cancelled;
        return result;
    }
    struct Detach {
        InFlight& in_flight;
        ~Detach() { in_flight.detach(); }
    } detach{in_flight};

    const IoStatus sent = write_all(request, limits.write_timeout);
    if (sent != IoStatus::ok) {
        result.error = in_flight.aborted()           ? ExchangeError::cancelled
                       : sent == IoStatus::timed_out ? ExchangeError::write_timeout
                                                     : ExchangeError::write_failed;
        return result;
    }

    std::optional<http::response_parser<http::string_body>> parser;
    boost::beast::flat_buffer buffer;
    ResponseStream stream(*this, limits);
    error_code ec;
    do {
        // A server or proxy may send interim answers (100 Continue, 103 Early Hints) first.
        parser.emplace();
        parser->header_limit(kMaxHeaderBytes);
        parser->body_limit(limits.max_response_bytes);
        parser->skip(head_request);
        http::read(stream, buffer, *parser, ec);
    } while (!ec && is_interim(parser->get().result_int()));
    if (ec) {
        result.error = in_flight.aborted() ? ExchangeError::cancelled : classify_read_error(ec);
        if (result.error == ExchangeError::malformed) {
            result.detail = ec == http::error::header_limit
                                ? "its headers are larger than " +
                                      std::to_string(kMaxHeaderBytes / 1024) + " KiB"
                                : ec.message();
        }
        return result;
    }
    auto& message = parser->get();
    result.status = static_cast<int>(message.result_int());
    result.content_type = std::string(message[http::field::content_type]);
    if (const auto found = message.find(http::field::retry_after); found != message.end()) {
        result.retry_after = std::string(found->value());
    }
    result.body = std::move(message.body());
    // Bytes beyond the response mean the peer and this client disagree about framing.
    reusable_ = parser->keep_alive() && buffer.size() == 0 && pending_tls_bytes() == 0;
    return result;
}

std::size_t HttpConnection::pending_tls_bytes() const {
    return tls_ ? static_cast<std::size_t>(SSL_pending(tls_.get())) : 0;
}

bool HttpConnection::still_open() {
    if (pending_tls_bytes() > 0) {
        return false;  // bytes nobody asked for, already decrypted
    }
    if (idle_socket_is_usable(socket_.get())) {
        return true;
    }
    if (!tls_) {
        return false;
    }
    // TLS 1.3 servers may send session tickets after the first response; they are not data.
    ERR_clear_error();
    char byte = 0;
    const int peeked = SSL_peek(tls_.get(), &byte, 1);
    const bool only_handshake =
        peeked <= 0 && SSL_get_error(tls_.get(), peeked) == SSL_ERROR_WANT_READ;
    ERR_clear_error();
    return only_handshake;
}

}  // namespace cmcp::upstream

#include "sandbox/sandbox.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "sandbox/common.hpp"
#include "sandbox/functions_tokens.hpp"
#include "sandbox/iam_jwts.hpp"
#include "sandbox/planetscale_tokens.hpp"
#include "sandbox/scaleway.hpp"
#include "sandbox/secret_manager.hpp"
#include "support/text.hpp"

namespace cmcp::sandbox {

std::string RecordedRequest::header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lower_name) {
            return value;
        }
    }
    return "";
}

namespace {

constexpr std::size_t kMaxBodyBytes = 8 * 1024 * 1024;

// httplib adds these to the request's headers itself; the client never sent them.
bool is_added_by_httplib(const std::string& name) {
    return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
           name == "LOCAL_PORT";
}

std::vector<std::pair<std::string, std::string>> decode_query(std::string_view raw) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!raw.empty()) {
        const auto amp = raw.find('&');
        const std::string_view pair = raw.substr(0, amp);
        raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const auto equals = pair.find('=');
        const std::string_view key = pair.substr(0, equals);
        const std::string_view value =
            equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
        out.emplace_back(percent_decode(key, true), percent_decode(value, true));
    }
    return out;
}

// Segments are decoded one by one, so an encoded '/' inside an id stays inside that id.
std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    if (path.empty() || path.front() != '/') {
        return out;
    }
    path.remove_prefix(1);
    while (true) {
        const auto slash = path.find('/');
        out.push_back(percent_decode(path.substr(0, slash), false));
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return out;
}

RecordedRequest record(const httplib::Request& request) {
    RecordedRequest out;
    out.method = request.method;
    const auto question = request.target.find('?');
    out.path = request.target.substr(0, question);
    if (question != std::string::npos) {
        out.raw_query = request.target.substr(question + 1);
    }
    out.query = decode_query(out.raw_query);
    for (const auto& [name, value] : request.headers) {
        if (!is_added_by_httplib(name)) {
            out.headers.emplace_back(ascii_lower(name), value);
        }
    }
    out.body = request.body;
    return out;
}

void apply(const Reply& reply, httplib::Response& response) {
    response.status = reply.status;
    if (!reply.body.empty() || !reply.content_type.empty()) {
        response.set_content(reply.body, reply.content_type.c_str());
    }
}

// httplib's default also sets SO_REUSEPORT, which would let a second server share a busy port
// and steal half its requests; a sandbox must own its port or fail.
int bind_or_throw(httplib::Server& server, const Options& options) {
    // httplib sets TCP_NODELAY on the listening socket when it is created (accepted sockets
    // inherit it), so it must be on before binding: set later, every response after the first
    // on a keep-alive connection waited ~40 ms for the client's delayed ACK (Nagle).
    server.set_tcp_nodelay(true);
    server.set_socket_options([](int socket) {
        int yes = 1;
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    const int port = options.port == 0
                         ? server.bind_to_any_port(options.host)
                         : (server.bind_to_port(options.host, options.port) ? options.port : -1);
    if (port <= 0) {
        throw std::runtime_error("sandbox: cannot listen on " + options.host + ":" +
                                 std::to_string(options.port));
    }
    return port;
}

std::string make_base_url(const std::string& host, int port) {
    std::string shown = host;
    if (host == "0.0.0.0" || host.empty()) {
        shown = "127.0.0.1";
    } else if (host == "::") {
        shown = "[::1]";
    } else if (host.find(':') != std::string::npos) {
        shown = "[" + host + "]";
    }
    return "http://" + shown + ":" + std::to_string(port);
}

int port_of(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
    }
    if (address.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
    }
    return -1;
}

// httplib does not hand its handlers the connection's socket; it is the one whose two ends are
// the request's. Only the thread serving the request closes that socket, so it stays ours here.
int socket_of(const httplib::Request& request) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
        int fd = -1;
        try {
            fd = std::stoi(entry.path().filename().string());
        } catch (const std::exception&) {
            continue;
        }
        sockaddr_storage local{};
        sockaddr_storage peer{};
        socklen_t local_size = sizeof local;
        socklen_t peer_size = sizeof peer;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) == 0 &&
            ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) == 0 &&
            port_of(local) == request.local_port && port_of(peer) == request.remote_port) {
            return fd;
        }
    }
    return -1;
}

// A zero linger makes the close send RST instead of FIN. The socket is closed by swapping
// /dev/null into its descriptor, so httplib's later write fails quietly (no socket, no SIGPIPE)
// and its own close releases the descriptor exactly once.
void reset_connection(const httplib::Request& request) {
    const int fd = socket_of(request);
    if (fd < 0) {
        return;
    }
    const linger abort_on_close{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) {
        ::shutdown(fd, SHUT_RDWR);
        return;
    }
    ::dup2(null_fd, fd);
    ::close(null_fd);
}

void answer_streamed(const Fault& fault, httplib::Response& response) {
    response.status = fault.status;
    const std::size_t total = std::max(fault.stream_bytes, fault.body.size());
    response.set_chunked_content_provider(fault.content_type,
                                          [body = fault.body, total, sent = std::size_t{0}](
                                              std::size_t, httplib::DataSink& sink) mutable {
                                              constexpr std::size_t kChunk = 64 * 1024;
                                              if (sent >= total) {
                                                  sink.done();
                                                  return true;
                                              }
                                              std::string chunk;
                                              if (sent < body.size()) {
                                                  chunk = body.substr(sent, kChunk);
                                              }
                                              chunk.resize(std::min(kChunk, total - sent), 'x');
                                              sent += chunk.size();
                                              return sink.write(chunk.data(), chunk.size());
                                          });
}

// Content-Length announces the whole body; returning false after part of it makes httplib close.
void answer_truncated(const Fault& fault, httplib::Response& response) {
    response.status = fault.status;
    const std::size_t sent = std::min(fault.truncate_at, fault.body.size());
    response.set_content_provider(
        fault.body.size(), fault.content_type,
        [body = fault.body, sent](std::size_t, std::size_t, httplib::DataSink& sink) {
            if (sent > 0) {
                sink.write(body.data(), sent);
            }
            return false;
        });
}

bool has_prefix(const std::vector<std::string>& segments, std::string_view first,
                std::string_view second) {
    return segments.size() >= 2 && segments[0] == first && segments[1] == second;
}

}  // namespace

class Sandbox::Impl {
  public:
    explicit Impl(Options options);
    ~Impl();
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    int port() const { return port_; }
    const std::string& base_url() const { return base_url_; }
    const DemoData& demo() const { return demo_; }
    std::vector<RecordedRequest> requests() const;
    void clear_requests();
    void inject(Fault fault);
    void clear_faults();

  private:
    void serve(const httplib::Request& request, httplib::Response& response);
    std::optional<Fault> take_fault(const RecordedRequest& request);
    void answer(const Fault& fault, const httplib::Request& request, httplib::Response& response);
    Reply dispatch(const RecordedRequest& request);
    void require_scaleway_key(const RecordedRequest& request) const;
    void require_planetscale_authorization(const RecordedRequest& request) const;

    const Options options_;
    httplib::Server server_;
    const int port_;
    const std::string base_url_;
    IdSource ids_;
    DemoData demo_;
    FunctionsTokens functions_{ids_, options_.max_objects_per_collection};
    IamJwts iam_;
    SecretManager secrets_{ids_, options_.max_objects_per_collection};
    PlanetScaleTokens planetscale_;

    mutable std::mutex requests_mutex_;
    std::deque<RecordedRequest> requests_;  // only when options_.record_requests
    std::mutex faults_mutex_;
    std::deque<Fault> faults_;
    // Wakes delayed fault answers at shutdown, so the destructor never waits out a delay.
    std::mutex stop_mutex_;
    std::condition_variable stop_signal_;
    bool stopping_ = false;

    std::thread listener_;  // last, so everything it touches exists while it runs
};

Sandbox::Impl::Impl(Options options)
    : options_(std::move(options)),
      port_(bind_or_throw(server_, options_)),
      base_url_(make_base_url(options_.host, port_)),
      planetscale_(ids_, base_url_, !options_.demo_data, options_.max_objects_per_collection) {
    if (options_.demo_data) {
        demo_.region = "fr-par";
        functions_.seed(demo_);
        iam_.seed(demo_);
        secrets_.seed(demo_);
        planetscale_.seed(demo_);
    }

    const httplib::Server::Handler handler = [this](const httplib::Request& request,
                                                    httplib::Response& response) {
        serve(request, response);
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Put(".*", handler);
    server_.Patch(".*", handler);
    server_.Delete(".*", handler);
    server_.Options(".*", handler);
    server_.set_exception_handler(
        [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
            apply(json_reply(500, {{"message", "sandbox internal error"}, {"type", "internal"}}),
                  response);
        });
    if (options_.threads > 0) {
        // cpp-httplib takes ownership of the queue it is handed.
        server_.new_task_queue = [threads = options_.threads] {
            return std::make_unique<httplib::ThreadPool>(threads).release();
        };
    }
    server_.set_payload_max_length(kMaxBodyBytes);
    server_.set_tcp_nodelay(true);
    // Idle keep-alive connections hold up shutdown until they time out; keep that short.
    server_.set_keep_alive_timeout(1);
    // httplib closes a keep-alive connection after 5 requests by default, so clients paid a new
    // TCP connection every fifth call, which the real APIs do not make them pay.
    server_.set_keep_alive_max_count(1000);

    listener_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs, so the destructor must not race ahead of it.
    while (!server_.is_running()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

Sandbox::Impl::~Impl() {
    {
        std::lock_guard lock(stop_mutex_);
        stopping_ = true;
    }
    stop_signal_.notify_all();
    server_.stop();
    listener_.join();
}

std::vector<RecordedRequest> Sandbox::Impl::requests() const {
    std::lock_guard lock(requests_mutex_);
    return {requests_.begin(), requests_.end()};
}

void Sandbox::Impl::clear_requests() {
    std::lock_guard lock(requests_mutex_);
    requests_.clear();
}

// A fault with no uses left would still answer once if queued, so it is dropped here.
void Sandbox::Impl::inject(Fault fault) {
    if (fault.times <= 0) {
        return;
    }
    std::lock_guard lock(faults_mutex_);
    faults_.push_back(std::move(fault));
}

void Sandbox::Impl::clear_faults() {
    std::lock_guard lock(faults_mutex_);
    faults_.clear();
}

void Sandbox::Impl::serve(const httplib::Request& request, httplib::Response& response) {
    RecordedRequest recorded = record(request);
    if (options_.record_requests && options_.max_recorded_requests > 0) {
        std::lock_guard lock(requests_mutex_);
        if (requests_.size() >= options_.max_recorded_requests) {
            requests_.pop_front();
        }
        requests_.push_back(recorded);
    }
    if (const auto fault = take_fault(recorded)) {
        answer(*fault, request, response);
        return;
    }
    Reply reply;
    try {
        reply = dispatch(recorded);
    } catch (const Rejection& rejection) {
        reply = rejection.reply();
    } catch (const std::exception&) {
        reply = json_reply(500, {{"message", "sandbox internal error"}, {"type", "internal"}});
    }
    apply(reply, response);
}

std::optional<Fault> Sandbox::Impl::take_fault(const RecordedRequest& request) {
    std::lock_guard lock(faults_mutex_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        if ((it->method.empty() || it->method == request.method) &&
            request.path.starts_with(it->path_prefix)) {
            Fault chosen = *it;
            if (--it->times <= 0) {
                faults_.erase(it);
            }
            return chosen;
        }
    }
    return std::nullopt;
}

void Sandbox::Impl::answer(const Fault& fault, const httplib::Request& request,
                           httplib::Response& response) {
    if (fault.delay.count() > 0) {
        std::unique_lock lock(stop_mutex_);
        stop_signal_.wait_for(lock, fault.delay, [this] { return stopping_; });
    }
    for (const auto& [name, value] : fault.headers) {
        response.set_header(name, value);
    }
    switch (fault.action) {
        case FaultAction::reset:
            reset_connection(request);
            response.status = fault.status;
            return;
        case FaultAction::truncate:
            answer_truncated(fault, response);
            return;
        case FaultAction::stream:
            answer_streamed(fault, response);
            return;
        case FaultAction::reply:
            break;
    }
    apply(Reply{fault.status, fault.body, fault.content_type}, response);
}

Reply Sandbox::Impl::dispatch(const RecordedRequest& request) {
    std::vector<std::string> segments = split_path(request.path);
    const auto rest = [&segments] {
        return std::vector<std::string>(segments.begin() + 2, segments.end());
    };
    if (has_prefix(segments, "functions", "v1beta1")) {
        require_scaleway_key(request);
        return functions_.handle(Call{request, rest()});
    }
    if (has_prefix(segments, "iam", "v1alpha1")) {
        require_scaleway_key(request);
        return iam_.handle(Call{request, rest()});
    }
    if (has_prefix(segments, "secret-manager", "v1beta1")) {
        require_scaleway_key(request);
        return secrets_.handle(Call{request, rest()});
    }
    if (has_prefix(segments, "v1", "organizations")) {
        require_planetscale_authorization(request);
        return planetscale_.handle(Call{request, rest()});
    }
    if (!segments.empty() && segments[0] == "v1") {
        return planetscale_error(404, "not_found", "Not Found");
    }
    return scw::unknown_route(request.method, request.path);
}

namespace {
bool is_one_of(const std::string& value, const std::vector<std::string>& accepted) {
    return std::find(accepted.begin(), accepted.end(), value) != accepted.end();
}
}  // namespace

// Scaleway tells a malformed or missing key (invalid_argument) from an unknown one (not_found);
// secret keys are UUIDs, so that is the line drawn here.
void Sandbox::Impl::require_scaleway_key(const RecordedRequest& request) const {
    const std::string key = request.header("x-auth-token");
    if (!key.empty() && (key == options_.scaleway_secret_key ||
                         is_one_of(key, options_.other_scaleway_secret_keys))) {
        return;
    }
    reject(scw::denied_authentication(is_uuid(key) ? "not_found" : "invalid_argument"));
}

void Sandbox::Impl::require_planetscale_authorization(const RecordedRequest& request) const {
    const std::string value = request.header("authorization");
    if (!value.empty() && (value == options_.planetscale_authorization ||
                           is_one_of(value, options_.other_planetscale_authorizations))) {
        return;
    }
    reject(planetscale_error(401, "unauthorized", "Unauthorized"));
}

Sandbox::Sandbox(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Sandbox::~Sandbox() = default;

std::string Sandbox::base_url() const {
    return impl_->base_url();
}

int Sandbox::port() const {
    return impl_->port();
}

const DemoData& Sandbox::demo() const {
    return impl_->demo();
}

std::vector<RecordedRequest> Sandbox::requests() const {
    return impl_->requests();
}

void Sandbox::clear_requests() {
    impl_->clear_requests();
}

void Sandbox::inject(Fault fault) {
    impl_->inject(std::move(fault));
}

void Sandbox::clear_faults() {
    impl_->clear_faults();
}

}  // namespace cmcp::sandbox

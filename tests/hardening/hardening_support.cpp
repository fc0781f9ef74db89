#include "hardening_support.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "testing/process.hpp"

namespace cmcp::hardening {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::string random_hex(std::size_t length) {
    std::random_device device;
    std::string out;
    constexpr std::string_view kDigits = "0123456789abcdef";
    while (out.size() < length) {
        out.push_back(kDigits[device() % 16]);
    }
    return out;
}

long status_field_kb(pid_t pid, std::string_view field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with(field)) {
            return std::strtol(line.c_str() + field.size(), nullptr, 10);
        }
    }
    return -1;
}

}  // namespace

std::vector<std::string> Canaries::all() const {
    return {scaleway_key, planetscale_id, planetscale_token, planetscale_authorization(),
            bearer_a,     bearer_b,       wrong_bearer};
}

Canaries make_canaries() {
    const std::string run = random_hex(12);
    Canaries canaries;
    // A UUID-shaped key, as Scaleway's are; the marker makes a leak easy to spot by eye.
    canaries.scaleway_key = "ca7a4e00-" + run.substr(0, 4) + "-4000-8000-" + run;
    canaries.planetscale_id = "canaryid" + run.substr(0, 4);
    canaries.planetscale_token = "pscale_tkn_CANARY" + run;
    canaries.bearer_a = "bearer-canary-a-" + run;
    canaries.bearer_b = "bearer-canary-b-" + run;
    canaries.wrong_bearer = "bearer-canary-wrong-" + run;
    return canaries;
}

std::unique_ptr<sandbox::Sandbox> make_sandbox(const Canaries& canaries, bool record_requests) {
    sandbox::Options options;
    options.scaleway_secret_key = canaries.scaleway_key;
    options.planetscale_authorization = canaries.planetscale_authorization();
    options.record_requests = record_requests;
    return std::make_unique<sandbox::Sandbox>(options);
}

std::vector<std::string> upstream_env(const Canaries& canaries, const std::string& upstream_url,
                                      const sandbox::DemoData& demo) {
    return {"PATH=/usr/bin:/bin",
            "SCW_SECRET_KEY=" + canaries.scaleway_key,
            "PLANETSCALE_SERVICE_TOKEN_ID=" + canaries.planetscale_id,
            "PLANETSCALE_SERVICE_TOKEN=" + canaries.planetscale_token,
            "SCALEWAY_API_URL=" + upstream_url,
            "PLANETSCALE_API_URL=" + upstream_url,
            "SCW_DEFAULT_REGION=" + demo.region,
            "SCW_DEFAULT_PROJECT_ID=" + demo.project_id,
            "SCW_DEFAULT_ORGANIZATION_ID=" + demo.organization_id,
            "PLANETSCALE_ORG=" + demo.planetscale_organization};
}

ServerProcess::ServerProcess(std::vector<std::string> args, std::vector<std::string> environment) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "cmcp-hardening-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    directory_ = pattern;
    const std::string out = (directory_ / "stdout.log").string();
    const std::string err = (directory_ / "stderr.log").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const std::string binary = testing::server_binary();
    std::vector<std::string> argv{binary, "http", "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto argv_c = cmcp::testing::c_strings(argv);
    auto env_c = cmcp::testing::c_strings(environment);
    const int spawned =
        ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv_c.data(), env_c.data());
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        throw std::runtime_error("cannot start " + binary);
    }
    const std::string marker = "listening on http://127.0.0.1:";
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string text = log();
        if (const auto at = text.find(marker); at != std::string::npos) {
            port_ = std::atoi(text.c_str() + at + marker.size());
            return;
        }
        if (!alive()) {
            throw std::runtime_error("the server exited at start-up: " + text);
        }
        std::this_thread::sleep_for(20ms);
    }
    throw std::runtime_error("the server did not start listening: " + log());
}

ServerProcess::~ServerProcess() {
    if (!status_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    if (std::getenv("CMCP_KEEP_HARDENING_LOGS") == nullptr) {
        std::filesystem::remove_all(directory_, ignored);
    }
}

std::string ServerProcess::log() const {
    return read_text_file(directory_ / "stderr.log");
}

bool ServerProcess::alive() {
    if (status_) {
        return false;
    }
    int raw = 0;
    if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
        status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
        return false;
    }
    return true;
}

std::optional<int> ServerProcess::stop(std::chrono::milliseconds timeout) {
    if (alive()) {
        ::kill(pid_, SIGTERM);
    }
    return wait_exit(timeout);
}

std::optional<int> ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (alive() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    return status_;
}

long ServerProcess::rss_kb() const {
    return status_field_kb(pid_, "VmRSS:");
}

long ServerProcess::peak_rss_kb() const {
    return status_field_kb(pid_, "VmHWM:");
}

int ServerProcess::threads() const {
    return static_cast<int>(status_field_kb(pid_, "Threads:"));
}

int ServerProcess::open_fds() const {
    int count = 0;
    std::error_code error;
    for (auto it =
             std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/fd", error);
         !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
        ++count;
    }
    return count;
}

int ServerProcess::sockets_to_port(int port) const {
    const std::string proc = "/proc/" + std::to_string(pid_);
    // Socket inodes whose remote port (hex, after the second ':') is `port`.
    std::set<std::string> inodes;
    for (const char* table : {"/net/tcp", "/net/tcp6"}) {
        std::ifstream rows(proc + table);
        std::string line;
        std::getline(rows, line);  // header
        while (std::getline(rows, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
            fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
                timeout >> inode;
            const auto colon = remote.rfind(':');
            if (colon != std::string::npos &&
                std::strtol(remote.c_str() + colon + 1, nullptr, 16) == port) {
                inodes.insert("socket:[" + inode + "]");
            }
        }
    }
    int count = 0;
    std::error_code error;
    for (auto it = std::filesystem::directory_iterator(proc + "/fd", error);
         !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
        std::error_code link_error;
        const auto target = std::filesystem::read_symlink(it->path(), link_error).string();
        count += !link_error && inodes.contains(target) ? 1 : 0;
    }
    return count;
}

McpClient::McpClient(int port, std::string bearer, std::chrono::seconds read_timeout)
    : bearer_(std::move(bearer)), client_("127.0.0.1", port) {
    client_.set_keep_alive(true);
    // httplib writes the head and the body separately; without this, Nagle and delayed ACKs
    // add 40 ms to every request (real MCP clients set it too).
    client_.set_tcp_nodelay(true);
    client_.set_connection_timeout(10s);
    client_.set_read_timeout(read_timeout);
    client_.set_write_timeout(10s);
}

namespace {

HttpAnswer to_answer(const httplib::Result& result) {
    HttpAnswer answer;
    if (!result) {
        answer.error = httplib::to_string(result.error());
        return answer;
    }
    answer.status = result->status;
    answer.body = result->body;
    answer.content_type = result->get_header_value("Content-Type");
    answer.session_id = result->get_header_value("Mcp-Session-Id");
    for (const auto& [name, value] : result->headers) {
        answer.raw_headers += name + ": " + value + "\n";
    }
    return answer;
}

}  // namespace

HttpAnswer McpClient::post(const std::string& body, const std::string& session,
                           const httplib::Headers& extra) {
    httplib::Headers headers{{"Accept", "application/json, text/event-stream"}};
    if (!bearer_.empty()) {
        headers.emplace("Authorization", "Bearer " + bearer_);
    }
    if (!session.empty()) {
        headers.emplace("Mcp-Session-Id", session);
        headers.emplace("MCP-Protocol-Version", "2025-11-25");
    }
    headers.insert(extra.begin(), extra.end());
    return to_answer(client_.Post("/mcp", headers, body, "application/json"));
}

HttpAnswer McpClient::get(const std::string& path) {
    return to_answer(client_.Get(path.c_str()));
}

HttpAnswer McpClient::end_session(const std::string& session) {
    httplib::Headers headers{{"Mcp-Session-Id", session}, {"MCP-Protocol-Version", "2025-11-25"}};
    if (!bearer_.empty()) {
        headers.emplace("Authorization", "Bearer " + bearer_);
    }
    return to_answer(client_.Delete("/mcp", headers));
}

std::string McpClient::initialize() {
    const auto answer = post(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"hardening","version":"1"}}})");
    if (answer.status != 200 || answer.session_id.empty()) {
        return "";
    }
    const auto initialized =
        post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", answer.session_id);
    return initialized.status == 202 ? answer.session_id : "";
}

std::string tools_call(long long id, std::string_view tool, std::string_view arguments) {
    return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
           R"(,"method":"tools/call","params":{"name":")" + std::string(tool) +
           R"(","arguments":)" + std::string(arguments) + "}}";
}

HttpAnswer McpClient::call(long long id, std::string_view tool, std::string_view arguments,
                           const std::string& session) {
    return post(tools_call(id, tool, arguments), session);
}

std::optional<json::object> rpc_reply(const HttpAnswer& answer) {
    std::string_view payload = answer.body;
    if (answer.content_type.starts_with("text/event-stream")) {
        // The reply is the last event; notifications come before it.
        const auto at = answer.body.rfind("data: ");
        if (at == std::string::npos) {
            return std::nullopt;
        }
        payload = std::string_view(answer.body).substr(at + 6);
        payload = payload.substr(0, payload.find('\n'));
    }
    boost::system::error_code error;
    auto value = json::parse(payload, error);
    if (error || !value.is_object()) {
        return std::nullopt;
    }
    return value.as_object();
}

std::optional<json::object> tool_result(const HttpAnswer& answer) {
    auto reply = rpc_reply(answer);
    if (!reply || !reply->contains("result") || !reply->at("result").is_object()) {
        return std::nullopt;
    }
    return reply->at("result").as_object();
}

std::vector<std::string> tool_names(const HttpAnswer& answer) {
    std::vector<std::string> names;
    const auto reply = rpc_reply(answer);
    if (!reply || !reply->contains("result")) {
        return names;
    }
    for (const auto& tool : reply->at("result").at("tools").as_array()) {
        names.emplace_back(tool.at("name").as_string());
    }
    return names;
}

bool is_error_result(const json::object& result) {
    const auto* flag = result.if_contains("isError");
    return flag != nullptr && flag->is_bool() && flag->as_bool();
}

std::string result_text(const json::object& result) {
    std::string out;
    if (const auto* content = result.if_contains("content"); content && content->is_array()) {
        for (const auto& block : content->as_array()) {
            if (const auto* text = block.as_object().if_contains("text")) {
                out += std::string(text->as_string()) + "\n";
            }
        }
    }
    return out;
}

RawSocket::RawSocket(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        return;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        close();
        return;
    }
    const int yes = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
}

RawSocket::~RawSocket() {
    close();
}

RawSocket::RawSocket(RawSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

bool RawSocket::send(std::string_view bytes) {
    while (fd_ >= 0 && !bytes.empty()) {
        const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent <= 0) {
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return fd_ >= 0;
}

std::string RawSocket::read_some(std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fd_ >= 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            break;
        }
        pollfd poll_fd{fd_, POLLIN, 0};
        if (::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) {
            break;
        }
        char chunk[16384];
        const auto count = ::recv(fd_, chunk, sizeof chunk, 0);
        if (count <= 0) {
            break;
        }
        out.append(chunk, static_cast<std::size_t>(count));
    }
    return out;
}

bool RawSocket::closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fd_ >= 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd poll_fd{fd_, POLLIN, 0};
        if (::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) {
            return false;
        }
        char chunk[16384];
        if (::recv(fd_, chunk, sizeof chunk, 0) <= 0) {
            return true;
        }
    }
    return true;
}

void RawSocket::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void RawSocket::abort() {
    if (fd_ >= 0) {
        const linger abort_on_close{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    }
    close();
}

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

std::chrono::seconds seconds_from_env(const char* name, std::chrono::seconds fallback) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        return fallback;
    }
    const long parsed = std::strtol(value, nullptr, 10);
    return parsed > 0 ? std::chrono::seconds(parsed) : fallback;
}

}  // namespace cmcp::hardening

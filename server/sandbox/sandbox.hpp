#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cmcp::sandbox {

struct RecordedRequest {
    std::string method;
    std::string path;       // as received, still percent-encoded
    std::string raw_query;  // as received, without '?', still encoded ("" if none)
    std::vector<std::pair<std::string, std::string>> query;    // decoded, in received order,
                                                               // repeated keys kept
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;
    std::string header(std::string_view lower_name) const;  // "" if absent
};

// How a fault answers: a scripted reply, or one of the ways networks and broken vendors fail
// mid-response, which a client must survive without hanging or retrying what it may not.
enum class FaultAction {
    reply,     // status, headers and body as given
    truncate,  // announce the body's full length, send its first truncate_at bytes, then close
    reset,     // close the connection with a TCP reset before sending any byte
    stream,    // status and headers, then `body` padded to stream_bytes, chunked (no
               // Content-Length), so a size limit must catch it while reading
};

// A scripted answer that replaces the simulator's own for matching requests (tests: retries,
// timeouts, bad bodies).
struct Fault {
    std::string method;       // "" matches any method
    std::string path_prefix;  // "" matches any path (compare against the raw path)
    int times = 1;            // how many matching requests it answers, then it is used up
    int status = 500;
    std::string body;  // sent as is
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Retry-After","1"}
    std::chrono::milliseconds delay{0};  // wait before answering (to provoke client read timeouts)
    FaultAction action = FaultAction::reply;  // applied after the delay
    std::size_t truncate_at = 0;              // FaultAction::truncate: bytes of `body` sent
    std::size_t stream_bytes = 0;             // FaultAction::stream: body size sent in total
};

struct DemoData {        // ids of the seeded objects, so docs, tests and users can refer to them
    std::string region;  // "fr-par"
    std::string organization_id;  // Scaleway org UUID
    std::string project_id;       // Scaleway project UUID
    std::string user_id;          // audience_id that has JWTs
    std::string function_id, namespace_id, token_id;
    std::string secret_id, protected_secret_id, scheduled_secret_id;
    std::string planetscale_organization;  // e.g. "demo-org"
    std::string service_token_id;
    std::string database;  // a database name usable in grants
};

// A sandbox may run for days behind `http --sandbox`, so nothing it keeps may grow without bound.
// Recording keeps the newest requests only; tests never need more.
inline constexpr std::size_t kDefaultMaxRecordedRequests = 10'000;
// Objects per simulated collection: Functions tokens and secrets per region, service tokens per
// organization, accesses per service token (further capped in planetscale_tokens.cpp), and the
// organizations and databases taken to exist when there is no demo data. Neither vendor publishes
// a fixed number for these (Scaleway quotas are per organization and adjustable, PlanetScale's
// depend on the plan), so this is a sandbox value: far above what a demo or a test creates, small
// enough that a sandbox filled to every cap stays within tens of MB. Creates beyond it get the
// vendor's quota error.
inline constexpr std::size_t kDefaultMaxObjectsPerCollection = 1'000;

struct Options {
    std::string scaleway_secret_key;        // expected X-Auth-Token
    std::string planetscale_authorization;  // expected Authorization header value, exactly
    // Further accepted credentials, for several tenants of one sandbox (each request recorded
    // with the header it came with, so a test can tell whose it was).
    std::vector<std::string> other_scaleway_secret_keys;
    std::vector<std::string> other_planetscale_authorizations;
    bool demo_data = true;  // seed a little data in every surface
    std::string host = "127.0.0.1";
    int port = 0;  // 0 = pick a free port
    // For tests that inspect requests(); off, requests() stays empty and nothing is kept.
    bool record_requests = false;
    std::size_t max_recorded_requests = kDefaultMaxRecordedRequests;  // oldest dropped first
    std::size_t max_objects_per_collection = kDefaultMaxObjectsPerCollection;
    // Threads serving requests; each keep-alive connection holds one while it is open, and a
    // scripted delay holds one for its length. 0: cpp-httplib's default (at least 8).
    std::size_t threads = 0;
};

// An in-memory stand-in for the Scaleway and PlanetScale endpoints the tools call, served over
// real HTTP so callers exercise their actual client path.
class Sandbox {
  public:
    explicit Sandbox(Options options);  // binds and starts serving before returning; throws
                                        // std::runtime_error if it cannot bind
    ~Sandbox();                         // stops and joins
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    std::string base_url() const;  // "http://127.0.0.1:<port>" — both vendors' paths are served
                                   // under it
    int port() const;
    const DemoData& demo() const;  // empty strings when demo_data is false
    // The most recent requests received (at most max_recorded_requests), oldest first, including
    // faulted ones; always empty unless Options::record_requests is set.
    std::vector<RecordedRequest> requests() const;
    void clear_requests();
    void inject(Fault fault);  // faults are matched in FIFO order before normal handling
    void clear_faults();

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cmcp::sandbox

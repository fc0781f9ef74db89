#include <gtest/gtest.h>

#include "testing/fakes.hpp"
#include "testing/tls_fixture.hpp"
#include "upstream/http_upstream.hpp"
#include "upstream/test_server.hpp"
#include "upstream/upstream_harness.hpp"

namespace cmcp::upstream {
namespace {

using cmcp::testing::SelfSignedCertificate;
using cmcp::testing::TempFile;
using testing::contains;
using testing::fast_options;
using testing::RecordingControl;
using testing::scaleway_get;
using testing::test_credentials;
using testing::TestServer;

std::unique_ptr<TestServer> tls_server(const SelfSignedCertificate& certificate) {
    auto server =
        std::make_unique<httplib::SSLServer>(certificate.certificate(), certificate.key());
    if (!server->is_valid()) {
        throw std::runtime_error("cannot set up the TLS test server");
    }
    return std::make_unique<TestServer>(std::move(server), TestServer::Handler{}, true);
}

class HttpUpstreamTlsTest : public ::testing::Test {
  protected:
    std::ostringstream log_;
    Logger logger_ = make_stream_logger(log_);
    // One io_context for every call of a test, as in a server: its pooled connections live here.
    cmcp::testing::UpstreamRunner runner_;
};

TEST_F(HttpUpstreamTlsTest, UntrustedCertificateIsRefusedAndNotRetried) {
    const SelfSignedCertificate certificate("127.0.0.1", {"IP:127.0.0.1"});
    auto server = tls_server(certificate);
    // The default store does not know this self-signed certificate.
    HttpUpstream upstream(fast_options(server->base_url()), test_credentials(), logger_);
    RecordingControl recorder;

    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());

    ASSERT_TRUE(std::holds_alternative<Failure>(outcome));
    const auto& failure = std::get<Failure>(outcome);
    EXPECT_EQ(failure.kind, FailureKind::connection);
    EXPECT_EQ(failure.attempts, 1);
    EXPECT_TRUE(contains(failure.message, "TLS certificate verification failed"))
        << failure.message;
    EXPECT_TRUE(contains(failure.message, "self-signed")) << failure.message;
    EXPECT_TRUE(contains(failure.message, "Nothing was sent")) << failure.message;
    EXPECT_EQ(server->request_count(), 0U);
    EXPECT_TRUE(recorder.progress().empty());
}

TEST_F(HttpUpstreamTlsTest, TrustedCertificateFromCaBundleWorksAndIsReused) {
    const SelfSignedCertificate certificate("127.0.0.1", {"IP:127.0.0.1"});
    const TempFile bundle(certificate.pem());
    auto server = tls_server(certificate);
    auto options = fast_options(server->base_url());
    options.ca_bundle_path = bundle.path();
    {
        HttpUpstream upstream(options, test_credentials(), logger_);
        RecordingControl recorder;
        for (int i = 0; i < 3; ++i) {
            const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());
            ASSERT_TRUE(std::holds_alternative<Response>(outcome))
                << std::get<Failure>(outcome).message;
            EXPECT_EQ(std::get<Response>(outcome).status, 200);
        }
    }
    EXPECT_EQ(server->request_count(), 3U);
    EXPECT_EQ(server->remote_ports().size(), 1U);
    EXPECT_EQ(server->requests().at(0).header("X-Auth-Token"), "scw-test-key-0123456789");
}

TEST_F(HttpUpstreamTlsTest, CertificateForAnotherHostIsRefused) {
    const SelfSignedCertificate certificate("other.example", {"DNS:other.example"});
    const TempFile bundle(certificate.pem());
    auto server = tls_server(certificate);
    auto options = fast_options(server->base_url());
    options.ca_bundle_path = bundle.path();
    HttpUpstream upstream(options, test_credentials(), logger_);
    RecordingControl recorder;

    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());

    ASSERT_TRUE(std::holds_alternative<Failure>(outcome));
    const auto& failure = std::get<Failure>(outcome);
    EXPECT_EQ(failure.kind, FailureKind::connection);
    EXPECT_EQ(failure.attempts, 1);
    EXPECT_TRUE(contains(failure.message, "does not match the host name 127.0.0.1"))
        << failure.message;
    EXPECT_EQ(server->request_count(), 0U);
}

TEST_F(HttpUpstreamTlsTest, PlainHttpServerBehindHttpsUrlFailsTheHandshake) {
    TestServer server;
    HttpUpstream upstream(fast_options("https://127.0.0.1:" + std::to_string(server.port())),
                          test_credentials(), logger_);
    RecordingControl recorder;
    Request request = scaleway_get();
    request.idempotent = false;
    const Outcome outcome = runner_.send(upstream, request, recorder.control());
    ASSERT_TRUE(std::holds_alternative<Failure>(outcome));
    EXPECT_EQ(std::get<Failure>(outcome).kind, FailureKind::connection);
    // With OpenSSL's reason, e.g. "(wrong version number)".
    EXPECT_TRUE(contains(std::get<Failure>(outcome).message, "the TLS handshake failed ("))
        << std::get<Failure>(outcome).message;
}

}  // namespace
}  // namespace cmcp::upstream

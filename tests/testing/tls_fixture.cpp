#include "testing/tls_fixture.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <stdexcept>

namespace cmcp::testing {

namespace {

constexpr long kValiditySeconds = 3600;

void add_extension(X509* certificate, int nid, const std::string& value) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    if (extension == nullptr) {
        throw std::runtime_error("cannot build certificate extension " + value);
    }
    X509_add_ext(certificate, extension, -1);
    X509_EXTENSION_free(extension);
}

}  // namespace

SelfSignedCertificate::SelfSignedCertificate(const std::string& common_name,
                                             const std::vector<std::string>& subject_alt_names)
    : key_(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")), certificate_(X509_new()) {
    if (!key_ || !certificate_) {
        throw std::runtime_error("cannot create a test key or certificate");
    }
    X509* cert = certificate_.get();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), kValiditySeconds);
    X509_set_pubkey(cert, key_.get());
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    add_extension(cert, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, NID_key_usage, "critical,digitalSignature,keyCertSign");
    if (!subject_alt_names.empty()) {
        std::string names;
        for (const auto& entry : subject_alt_names) {
            names += (names.empty() ? "" : ",") + entry;
        }
        add_extension(cert, NID_subject_alt_name, names);
    }
    if (X509_sign(cert, key_.get(), EVP_sha256()) == 0) {
        throw std::runtime_error("cannot sign the test certificate");
    }
}

std::string SelfSignedCertificate::pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_X509(bio.get(), certificate_.get());
    std::string out(BIO_ctrl_pending(bio.get()), '\0');
    BIO_read(bio.get(), out.data(), static_cast<int>(out.size()));
    return out;
}

TempFile::TempFile(const std::string& contents) {
    path_ = std::filesystem::temp_directory_path() /
            ("cmcp-upstream-test-" + std::to_string(::getpid()) + "-" +
             std::to_string(std::random_device{}()) + ".pem");
    std::ofstream(path_) << contents;
}

TempFile::~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
}

}  // namespace cmcp::testing

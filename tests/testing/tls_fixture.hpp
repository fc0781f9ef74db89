#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace cmcp::testing {

// A throw-away self-signed certificate (its own CA), for HTTPS tests without the system store.
class SelfSignedCertificate {
  public:
    // subject_alt_names in OpenSSL config syntax: "IP:127.0.0.1", "DNS:localhost".
    SelfSignedCertificate(const std::string& common_name,
                          const std::vector<std::string>& subject_alt_names);

    X509* certificate() const { return certificate_.get(); }
    EVP_PKEY* key() const { return key_.get(); }
    std::string pem() const;

  private:
    struct FreeX509 {
        void operator()(X509* certificate) const { X509_free(certificate); }
    };
    struct FreeKey {
        void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
    };

    std::unique_ptr<EVP_PKEY, FreeKey> key_;
    std::unique_ptr<X509, FreeX509> certificate_;
};

// A file in the temporary directory, removed when this goes out of scope.
class TempFile {
  public:
    explicit TempFile(const std::string& contents);
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    std::string path() const { return path_.string(); }

  private:
    std::filesystem::path path_;
};

}  // namespace cmcp::testing

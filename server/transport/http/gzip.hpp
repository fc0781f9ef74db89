#pragma once

#include <boost/crc.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace cmcp::transport::http {

// One gzip member (RFC 1952) for text that always starts the same way (the tools/list answer,
// whose only varying part, the request id, comes last). The constant start is compressed once;
// each answer then adds its own short tail, stored uncompressed, and the trailer: no per-request
// compression, and what is sent is still a single valid gzip member.
class GzipPrefix {
  public:
    // Compresses `prefix` (level 9, once). Throws std::runtime_error if compression fails.
    explicit GzipPrefix(std::string_view prefix);

    // The gzip header and the compressed prefix: how every member starts.
    const std::string& head() const { return head_; }
    // The rest of the member whose uncompressed text is the prefix followed by `tail`.
    std::string finish(std::string_view tail) const;

  private:
    std::string head_;
    boost::crc_32_type crc_;      // of the prefix
    std::uint32_t size_mod_ = 0;  // of the prefix, modulo 2^32 (as gzip's ISIZE)
};

// Whether an Accept-Encoding value (RFC 9110 §12.5.3) accepts gzip: "gzip" (or "x-gzip")
// listed with a weight above 0, or "*" with a weight above 0 when gzip is not listed.
// Malformed elements are ignored.
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace cmcp::transport::http

#include "transport/http/gzip.hpp"

#include <algorithm>
#include <array>
#include <boost/beast/core/string.hpp>
#include <boost/beast/zlib/deflate_stream.hpp>
#include <boost/beast/zlib/error.hpp>
#include <optional>
#include <stdexcept>

namespace cmcp::transport::http {

namespace zlib = boost::beast::zlib;

namespace {

// ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=2 (maximum compression) OS=255 (unknown): RFC 1952 §2.3.
constexpr std::array<unsigned char, 10> kGzipHeader = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255};
constexpr int kLevel = 9;
constexpr int kWindowBits = 15;
constexpr int kMemLevel = 8;
// A stored block holds at most this many bytes (RFC 1951 §3.2.4).
constexpr std::size_t kMaxStoredBlock = 0xffff;

void append_le32(std::string& out, std::uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) {
        out.push_back(static_cast<char>((value >> shift) & 0xff));
    }
}

void append_le16(std::string& out, std::uint32_t value) {
    out.push_back(static_cast<char>(value & 0xff));
    out.push_back(static_cast<char>((value >> 8) & 0xff));
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// The weight of one Accept-Encoding element's parameters ("" = 1): RFC 9110 §12.4.2's qvalue,
// as thousandths; nullopt when malformed.
std::optional<int> weight_of(std::string_view parameters) {
    parameters = trim(parameters);
    if (parameters.empty()) {
        return 1000;
    }
    if (parameters.size() < 3 || !boost::beast::iequals(parameters.substr(0, 2), "q=")) {
        return std::nullopt;
    }
    const auto value = parameters.substr(2);
    if (value[0] != '0' && value[0] != '1') {
        return std::nullopt;
    }
    int thousandths = value[0] == '1' ? 1000 : 0;
    if (value.size() > 1) {
        if (value[1] != '.' || value.size() > 5) {
            return std::nullopt;
        }
        int scale = 100;
        for (const char digit : value.substr(2)) {
            if (digit < '0' || digit > '9') {
                return std::nullopt;
            }
            thousandths += (digit - '0') * scale;
            scale /= 10;
        }
    }
    return thousandths <= 1000 ? std::optional<int>(thousandths) : std::nullopt;
}

}  // namespace

GzipPrefix::GzipPrefix(std::string_view prefix)
    : head_(kGzipHeader.begin(), kGzipHeader.end()),
      size_mod_(static_cast<std::uint32_t>(prefix.size())) {
    crc_.process_bytes(prefix.data(), prefix.size());
    zlib::deflate_stream deflater;
    deflater.reset(kLevel, kWindowBits, kMemLevel, zlib::Strategy::normal);
    std::string compressed(deflater.upper_bound(prefix.size()) + 64, '\0');
    zlib::z_params stream{};
    stream.next_in = prefix.data();
    stream.avail_in = prefix.size();
    stream.next_out = compressed.data();
    stream.avail_out = compressed.size();
    // A sync flush ends on a byte boundary without a final block, so that stored blocks can
    // follow.
    for (;;) {
        boost::beast::error_code ec;
        deflater.write(stream, zlib::Flush::sync, ec);
        if (ec && ec != zlib::error::need_buffers) {
            throw std::runtime_error("gzip: compression failed: " + ec.message());
        }
        if (stream.avail_in == 0 && stream.avail_out != 0) {
            break;
        }
        const auto used = compressed.size() - stream.avail_out;
        compressed.resize(compressed.size() * 2);
        stream.next_out = compressed.data() + used;
        stream.avail_out = compressed.size() - used;
    }
    compressed.resize(stream.total_out);
    head_ += compressed;
}

std::string GzipPrefix::finish(std::string_view tail) const {
    auto crc = crc_;
    crc.process_bytes(tail.data(), tail.size());
    const auto size_mod = size_mod_ + static_cast<std::uint32_t>(tail.size());
    std::string out;
    out.reserve(tail.size() + 5 * (tail.size() / kMaxStoredBlock + 1) + 8);
    do {
        const auto length = std::min(tail.size(), kMaxStoredBlock);
        const bool last = length == tail.size();
        out.push_back(last ? 1 : 0);  // BFINAL, BTYPE=00 (stored), then padding to the byte
        append_le16(out, static_cast<std::uint32_t>(length));
        append_le16(out, static_cast<std::uint32_t>(~length & 0xffff));
        out.append(tail.substr(0, length));
        tail.remove_prefix(length);
    } while (!tail.empty());
    append_le32(out, crc.checksum());
    append_le32(out, size_mod);  // ISIZE: the uncompressed size modulo 2^32
    return out;
}

bool accepts_gzip(std::string_view accept_encoding) {
    std::optional<int> gzip;
    std::optional<int> any;
    while (!accept_encoding.empty()) {
        const auto comma = accept_encoding.find(',');
        const auto element = accept_encoding.substr(0, comma);
        accept_encoding.remove_prefix(comma == std::string_view::npos ? accept_encoding.size()
                                                                      : comma + 1);
        const auto semicolon = element.find(';');
        const auto coding = trim(element.substr(0, semicolon));
        const auto weight =
            weight_of(semicolon == std::string_view::npos ? "" : element.substr(semicolon + 1));
        if (!weight) {
            continue;
        }
        if (boost::beast::iequals(coding, "gzip") || boost::beast::iequals(coding, "x-gzip")) {
            gzip = std::max(gzip.value_or(0), *weight);
        } else if (coding == "*") {
            any = std::max(any.value_or(0), *weight);
        }
    }
    return gzip ? *gzip > 0 : any.value_or(0) > 0;
}

}  // namespace cmcp::transport::http

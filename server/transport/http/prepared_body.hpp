#pragma once

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace cmcp::transport::http {

// A Beast body for prepared replies: shared immutable pieces (the cached tools/list text, or
// its compressed form) and this response's own short tail, written as they are, in one
// gathered write, without being copied into a string first.
struct PreparedBody {
    struct value_type {
        std::shared_ptr<const void> owner;  // keeps `pieces` alive
        std::array<std::string_view, 2> pieces;
        std::string tail;
    };

    static std::uint64_t size(const value_type& body) {
        return body.pieces[0].size() + body.pieces[1].size() + body.tail.size();
    }

    class writer {
      public:
        using const_buffers_type = std::array<boost::asio::const_buffer, 3>;

        template <bool isRequest, class Fields>
        writer(const boost::beast::http::header<isRequest, Fields>& /*head*/,
               const value_type& body)
            : body_(body) {}

        void init(boost::beast::error_code& ec) { ec = {}; }

        boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
            ec = {};
            if (done_) {
                return boost::none;
            }
            done_ = true;
            return std::pair<const_buffers_type, bool>{
                const_buffers_type{boost::asio::buffer(body_.pieces[0]),
                                   boost::asio::buffer(body_.pieces[1]),
                                   boost::asio::buffer(body_.tail)},
                false};
        }

      private:
        const value_type& body_;
        bool done_ = false;
    };
};

}  // namespace cmcp::transport::http

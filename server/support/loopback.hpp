#pragma once

#include <string_view>

namespace cmcp {

// localhost, ::1 and 127.0.0.0/8: addresses other machines cannot reach.
bool is_loopback_host(std::string_view host);

}  // namespace cmcp

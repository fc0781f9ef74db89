#pragma once

#include <cstddef>
#include <string>

namespace cmcp {

// Hex string of `bytes` bytes from the operating system's CSPRNG (getrandom). Throws
// std::runtime_error if the kernel cannot supply them.
std::string random_hex(std::size_t bytes);

}  // namespace cmcp

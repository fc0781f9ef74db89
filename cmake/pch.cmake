# Precompiled headers for the test helpers and suites: nearly every test file parses GoogleTest,
# Boost.JSON and the same standard headers. Each build directory precompiles them once, in an
# object library of its own ("host", tests/CMakeLists.txt), and every test target reuses that one
# PCH (REUSE_FROM). This saves about a second on each of the ~75 test files per build.
#
# A reused PCH is only valid with the compile flags and macros it was built with; the host takes
# the same flags and third-party usage requirements as the targets that reuse it, and CMake's
# -Winvalid-pch together with -Werror turns any mismatch into a build error rather than a silent
# slow build. -DCMCP_PCH=OFF builds without.
#
# Only third-party and standard headers go in here, never the project's own (a PCH hides missing
# includes in project code, and editing a project header would rebuild everything). Measured with
# GCC 12, and why the list is short and the server's libraries have none:
# - A PCH that also held Boost.Beast/Asio, cpp-httplib and valijson (300-400 MB) made most files
#   slower, not faster: each file pays for loading it and for the deferred instantiations and
#   code its headers bring, although few files use them.
# - A forced include widens what argument-dependent lookup sees: with <iomanip> (which
#   <filesystem>, <httplib.h> and GoogleTest bring), quoted(some_std_string) in
#   server/catalog/argument_check.cpp picks std::quoted over the file's own quoted(string_view).
# - It changes GCC 12's inlining enough to set off its known false -Warray-bounds on
#   std::string concatenation (libstdc++'s char_traits.h, e.g. std::string(n, c) + "...") in
#   server/config/config.cpp, an error under -Werror; of the test files, only in
#   tests/catalog/schema_check_test.cpp, which therefore compiles without (SKIP_PRECOMPILE_HEADERS
#   in tests/CMakeLists.txt). Should a test file's change set it off elsewhere, skip that file
#   the same way.
option(CMCP_PCH "Precompile the headers every test file includes" ON)

set(CMCP_PCH_TEST_HEADERS
    <algorithm> <array> <atomic> <chrono> <condition_variable> <cstddef> <cstdint> <functional>
    <map> <memory> <mutex> <optional> <set> <sstream> <stdexcept> <string> <string_view> <thread>
    <utility> <variant> <vector>
    <boost/json.hpp> <gtest/gtest.h> <gmock/gmock.h>)

# cmcp_pch_host(<name> HEADERS <header>... OPTIONS <option>... [LINK <target>...])
# An object library that only builds a PCH of HEADERS, compiled with OPTIONS (those of the targets
# that reuse it). LINK names the imported (third-party)
# targets whose usage requirements (macros, include directories) the reusing targets have too; it
# links no project library, so the PCH is built first thing, not after the libraries.
function(cmcp_pch_host name)
    cmake_parse_arguments(ARG "" "" "HEADERS;OPTIONS;LINK" ${ARGN})
    if(NOT CMCP_PCH)
        return()
    endif()
    set(source ${PROJECT_BINARY_DIR}/pch/${name}.cpp)
    file(CONFIGURE OUTPUT ${source} CONTENT "// Generated: builds the precompiled header ${name}.\n")
    add_library(${name} OBJECT ${source})
    target_compile_options(${name} PRIVATE ${ARG_OPTIONS})
    target_link_libraries(${name} PRIVATE ${ARG_LINK})
    target_precompile_headers(${name} PRIVATE ${ARG_HEADERS})
endfunction()

# cmcp_reuse_pch(<host> <target>...): the targets compile with <host>'s PCH.
function(cmcp_reuse_pch host)
    if(NOT CMCP_PCH)
        return()
    endif()
    foreach(target IN LISTS ARGN)
        target_precompile_headers(${target} REUSE_FROM ${host})
    endforeach()
endfunction()

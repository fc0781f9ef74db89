#pragma once

#include <httplib.h>

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "sandbox/sandbox.hpp"

// Helpers shared by the sandbox suites: every call goes over real HTTP to the sandbox.
namespace cmcp::sandbox::test {

inline const std::string kScalewayKey = "0b9a7c2e-5d4f-4a31-9e8b-6c1d2f3a4b5c";
inline const std::string kPlanetScaleAuthorization = "sbx7tok3n1d0:pscale_tkn_SandboxSecretValue";

Options make_options(bool demo_data = true);

struct Answer {
    int status = -1;  // -1 when no HTTP response arrived
    std::string body;
    httplib::Headers headers;

    std::string header(const std::string& name) const;
    boost::json::object object() const;  // the body as a JSON object; fails the test otherwise
    // Shortcuts into object().
    std::string text(std::string_view key) const;
};

// `target` goes on the request line exactly as given (no re-encoding).
Answer send(const Sandbox& sandbox, const std::string& method, const std::string& target,
            const httplib::Headers& headers = {}, const std::string& body = "");
Answer scw(const Sandbox& sandbox, const std::string& method, const std::string& target,
           const std::string& body = "");
Answer ps(const Sandbox& sandbox, const std::string& method, const std::string& target,
          const std::string& body = "");

std::string str(const boost::json::value& value);
std::int64_t num(const boost::json::value& value);
bool is_uuid_text(const std::string& text);

}  // namespace cmcp::sandbox::test

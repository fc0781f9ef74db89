#include "protocol/jsonrpc.hpp"

#include <boost/json/serialize.hpp>

namespace cmcp::protocol {
namespace json = boost::json;

bool is_valid_id(const json::value& id) {
    return id.is_string() || id.is_number();
}

std::string id_key(const json::value& id) {
    return json::serialize(id);
}

json::object make_result(const json::value& id, json::value result) {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json::object make_error(const json::value& id, int code, std::string_view message) {
    return {{"jsonrpc", "2.0"},
            {"id", id},
            {"error", json::object{{"code", code}, {"message", message}}}};
}

json::object make_error(const json::value& id, int code, std::string_view message,
                        json::value data) {
    auto error = make_error(id, code, message);
    error["error"].as_object()["data"] = std::move(data);
    return error;
}

json::object make_notification(std::string_view method, json::object params) {
    return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

}  // namespace cmcp::protocol

// LD_PRELOAD shim for whole-binary tests: a name resolver that never answers. getaddrinfo() for
// a name ending in "hang.invalid" blocks for two minutes, as a resolver whose DNS servers drop
// every query does; any other name goes to the C library's getaddrinfo().
#include <dlfcn.h>
#include <netdb.h>
#include <unistd.h>

#include <string_view>

extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints,
                           addrinfo** result) {
    if (node != nullptr && std::string_view(node).ends_with("hang.invalid")) {
        ::sleep(120);
        return EAI_AGAIN;
    }
    using Real = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
    static const auto real = reinterpret_cast<Real>(::dlsym(RTLD_NEXT, "getaddrinfo"));
    return real(node, service, hints, result);
}

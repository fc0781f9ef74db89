#include "identity/tool_scopes.hpp"

namespace cmcp::identity {

ToolClass tool_class(const catalog::Annotations& annotations) {
    if (annotations.read_only) {
        return kReadTools;
    }
    return annotations.destructive ? kDeleteTools : kWriteTools;
}

unsigned classes_granted(const std::vector<std::string>& scopes) {
    unsigned classes = 0;
    for (const auto& scope : scopes) {
        for (std::size_t i = 0; i < kScopes.size(); ++i) {
            if (scope == kScopes[i]) {
                classes |= 1U << i;
            }
        }
    }
    return classes;
}

std::string scopes_for(unsigned classes) {
    std::string out;
    for (std::size_t i = 0; i < kScopes.size(); ++i) {
        if ((classes & (1U << i)) != 0) {
            // Appended piece by piece: GCC 12 at -O3 misreads `literal + std::string` (-Wrestrict).
            if (!out.empty()) {
                out += ' ';
            }
            out += kScopes[i];
        }
    }
    return out;
}

}  // namespace cmcp::identity

#pragma once

#include <memory>
#include <mutex>
#include <utility>

#include "identity/principal.hpp"

namespace cmcp::identity {

// The principals in force: replaced whole on reload, while requests that started with the old
// ones keep them (they hold the shared pointer) until they finish. Thread-safe.
class PrincipalStore {
  public:
    explicit PrincipalStore(std::shared_ptr<const Directory> directory)
        : directory_(std::move(directory)) {}

    std::shared_ptr<const Directory> current() const {
        std::lock_guard lock(mutex_);
        return directory_;
    }
    void replace(std::shared_ptr<const Directory> directory) {
        std::lock_guard lock(mutex_);
        directory_ = std::move(directory);
    }

  private:
    mutable std::mutex mutex_;
    std::shared_ptr<const Directory> directory_;
};

}  // namespace cmcp::identity

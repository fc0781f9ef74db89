// Boost.URL compiled into this binary (its header-only mode), so the image needs no extra
// runtime library for it.
#include <boost/url/src.hpp>

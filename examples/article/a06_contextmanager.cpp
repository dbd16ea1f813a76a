// Article: "Pattern 3: The @contextmanager Connection" -- normal exit and exception exit.
#include <iostream>
#include <string>

#include "twoway/contextmanager.hpp"

std::string acquire() {
    std::cout << "acquire()\n";
    return "resource";
}

void release(const std::string &resource) { std::cout << "release(" << resource << ")\n"; }

// [example]
twoway::generator<std::string> managed_resource_body() {
    std::cout << "Acquiring resource\n";
    std::string resource = acquire();
    struct finally { // try: ... finally: release(resource)
        std::string &resource;
        ~finally() {
            std::cout << "Releasing resource\n";
            release(resource);
        }
    } cleanup{resource};
    co_yield resource; // with's block runs here; its exception is raised here
}
const auto managed_resource = twoway::contextmanager(managed_resource_body);

int main() {
    twoway::with(managed_resource(), [](std::string &r) { std::cout << "using " << r << "\n"; });

    try {
        twoway::with(managed_resource(), [](std::string &r) {
            std::cout << "using " << r << ", then failing\n";
            throw twoway::value_error("boom");
        });
    } catch (const twoway::value_error &e) {
        std::cout << "caught ValueError: " << e.what() << "\n";
    }
}
// [example]

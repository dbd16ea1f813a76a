// check_doc_snippets — keeps a document's code from drifting away from the files it shows.
//
//   check_doc_snippets DOC.md ROOT
//
// Every fenced code block in DOC.md (any language) must come right after a line `<!-- snippet: PATH -->`, and its
// text must appear verbatim in ROOT/PATH. Exit status 0 only if all blocks are found.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {
std::string read(const std::string &path, bool &ok) {
    std::ifstream in(path);
    ok = static_cast<bool>(in);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
} // namespace

int main(int argc, char **argv) {
    if (argc != 3) {
        std::cerr << "usage: check_doc_snippets DOC.md ROOT\n";
        return 2;
    }
    bool ok = false;
    std::istringstream doc(read(argv[1], ok));
    if (!ok) {
        std::cerr << "cannot read " << argv[1] << "\n";
        return 2;
    }
    const std::string root = argv[2];
    std::string line, pending_path, block;
    bool in_block = false;
    int checked = 0, failures = 0, lineno = 0, block_start = 0;
    while (std::getline(doc, line)) {
        ++lineno;
        if (!in_block) {
            if (line.rfind("<!-- snippet: ", 0) == 0) {
                pending_path = line.substr(14, line.find(" -->") - 14);
            } else if (line.rfind("```", 0) == 0) {
                in_block = true;
                block.clear();
                block_start = lineno;
                if (pending_path.empty()) {
                    std::cout << argv[1] << ":" << lineno << ": a code block without a snippet marker\n";
                    ++failures;
                }
            } else if (!line.empty()) {
                pending_path.clear();
            }
            continue;
        }
        if (line.rfind("```", 0) == 0) {
            in_block = false;
            if (!pending_path.empty()) {
                bool found = false;
                const std::string source = read(root + "/" + pending_path, found);
                if (!found) {
                    std::cout << argv[1] << ":" << block_start << ": cannot read " << pending_path << "\n";
                    ++failures;
                } else if (source.find(block) == std::string::npos) {
                    std::cout << argv[1] << ":" << block_start << ": this block is not in " << pending_path << "\n";
                    ++failures;
                } else {
                    ++checked;
                }
            }
            pending_path.clear();
            continue;
        }
        block += line + "\n";
    }
    if (in_block) {
        std::cout << argv[1] << ":" << block_start << ": a code block that is never closed\n";
        ++failures;
    }
    std::cout << checked << " snippets match their files, " << failures << " problems\n";
    return failures == 0 && checked > 0 ? 0 : 1;
}

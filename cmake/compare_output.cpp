// compare_output — runs a program and compares what it prints (stdout and stderr together) with the
// output CPython gave for the same program, line by line.
//
//   compare_output [--show] [--differs FILE] EXPECTED.out PROGRAM [ARGS...]
//
// A line the program prints as "~skip~ <reason>" stands for a line that has no C++ meaning; it
// matches the expected line at the same position and is reported as skipped (the port's source
// says why at that line). A FILE given with --differs lists lines recorded as expected to differ,
// one "LINE<TAB>reason" per row: those may differ and are reported. --show prints the program's
// output as it runs, for the tour. Exit status 0 only if every other line matches.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace {

std::vector<std::string> split_lines(const std::string &text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string quote(const std::string &arg) {
    std::string q = "'";
    for (char c : arg) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

} // namespace

int main(int argc, char **argv) {
    bool show = false;
    std::string differs_file;
    int i = 1;
    for (; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--show")
            show = true;
        else if (a == "--differs" && i + 1 < argc)
            differs_file = argv[++i];
        else
            break;
    }
    if (argc - i < 2) {
        std::cerr << "usage: compare_output [--show] [--differs FILE] EXPECTED.out PROGRAM [ARGS...]\n";
        return 2;
    }
    std::ifstream expected_in(argv[i]);
    if (!expected_in) {
        std::cerr << "compare_output: cannot read " << argv[i] << "\n";
        return 2;
    }
    std::stringstream buf;
    buf << expected_in.rdbuf();
    const std::vector<std::string> expected = split_lines(buf.str());

    std::map<std::size_t, std::string> differs;
    if (!differs_file.empty()) {
        std::ifstream d(differs_file);
        for (std::string row; std::getline(d, row);) {
            if (row.empty() || row[0] == '#') continue;
            auto tab = row.find('\t');
            differs[std::stoul(row.substr(0, tab))] = tab == std::string::npos ? "" : row.substr(tab + 1);
        }
    }

    std::string command;
    for (int k = i + 1; k < argc; ++k) command += quote(argv[k]) + " ";
    command += "2>&1";
    FILE *pipe = popen(command.c_str(), "r");
    if (!pipe) {
        std::cerr << "compare_output: cannot run " << command << "\n";
        return 2;
    }
    std::string output;
    char chunk[4096];
    for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) output.append(chunk, n);
    int status = pclose(pipe);
    const std::vector<std::string> actual = split_lines(output);

    if (show)
        for (const auto &line : actual) std::cout << "    " << line << "\n";

    int mismatches = 0, skipped = 0, differing = 0;
    const std::size_t n = std::max(expected.size(), actual.size());
    for (std::size_t k = 0; k < n; ++k) {
        const std::string *e = k < expected.size() ? &expected[k] : nullptr;
        const std::string *a = k < actual.size() ? &actual[k] : nullptr;
        if (a && e && a->rfind("~skip~", 0) == 0) {
            ++skipped;
            std::cout << "  line " << k + 1 << " skipped (" << a->substr(6) << "): CPython prints: " << *e << "\n";
            continue;
        }
        if (a && e && *a == *e) continue;
        if (auto it = differs.find(k + 1); it != differs.end() && a && e) {
            ++differing;
            std::cout << "  line " << k + 1 << " differs as recorded (" << it->second << ")\n"
                      << "    CPython: " << *e << "\n    twoway:  " << *a << "\n";
            continue;
        }
        ++mismatches;
        std::cout << "  line " << k + 1 << " MISMATCH\n    expected: " << (e ? *e : "<no line>")
                  << "\n    actual:   " << (a ? *a : "<no line>") << "\n";
    }
    const bool exited_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!exited_ok) std::cout << "  the program did not exit with status 0 (status " << status << ")\n";
    std::cout << (mismatches == 0 && exited_ok ? "MATCH" : "DIFFERENT") << ": " << expected.size() << " lines, "
              << mismatches << " mismatched, " << skipped << " skipped, " << differing << " recorded as differing\n";
    return mismatches == 0 && exited_ok ? 0 : 1;
}

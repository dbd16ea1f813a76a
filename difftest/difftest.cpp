// difftest — differential testing of twoway against CPython.
//
//   difftest [--cases N] [--seed S] [--python PATH] [--save DIR] [--replay DIR] [--verbose]
//
// Each case is a tree of generator scripts and a sequence of operations on the outermost generator.
// CPython runs the scripts as real Python generator functions (difftest/pyside.py); here one generic
// twoway generator interprets each script. Both print the same event trace; any difference is a
// divergence, which is shrunk to a small case and saved (--save) as a regression file. Exit status:
// 0 no divergence, 1 divergences, 77 no CPython >= 3.13 found (CTest reports the test skipped).
//
// Case format, one line:  SCRIPT # SCRIPT # ... | OP OP ...
//   SCRIPT is a block "[ stmt ... ]"; script 0 is the outermost generator; script i may delegate only
//   to scripts j > i, so there are no cycles.
//   stmt: Y v (x = yield v; record it) | P tag (record) | R v|N (return) | X kind arg (raise: kind E1,
//   E2 (Exception subclasses), B1 (BaseException only), SI (StopIteration(arg)), GE (GeneratorExit))
//   | RR (bare raise, only in a handler) | D j (r = yield from script j; record r) | Z op (re-entrant
//   call on the outermost generator, caught and recorded) | ZU op (the same, not caught) | L n [ ... ]
//   (loop n times) | T [ body ] H kinds [ handler ] ... F [ finally ] ;  (kinds: comma-separated, of
//   E1 E2 B1 GE SI Exception BaseException VE RE)
//   OP: n (next) | s:v (send v) | t:kind:arg (throw) | c (close) | d (destroy: drop the generator)
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "twoway/twoway.hpp"

namespace fs = std::filesystem;

// ---- the script tree ----------------------------------------------------------------------------------

struct stmt;
using block = std::vector<stmt>;

struct handler {
    std::vector<std::string> kinds;
    block body;
};

struct stmt {
    std::string op; // Y P R X RR D Z ZU L T
    int n = 0;      // value, tag, loop count, script index, exception argument
    bool none = false; // R N
    std::string word;  // exception kind, re-entrant op
    block body;
    std::vector<handler> handlers;
    std::optional<block> fin;
};

struct test_case {
    std::vector<block> scripts;
    std::vector<std::string> ops;
};

// ---- text form ----------------------------------------------------------------------------------------

void write_block(std::ostream &o, const block &b);
void write_stmt(std::ostream &o, const stmt &s) {
    if (s.op == "Y" || s.op == "P" || s.op == "D") {
        o << s.op << ' ' << s.n << ' ';
    } else if (s.op == "R") {
        o << "R " << (s.none ? std::string("N") : std::to_string(s.n)) << ' ';
    } else if (s.op == "X") {
        o << "X " << s.word << ' ' << s.n << ' ';
    } else if (s.op == "RR") {
        o << "RR ";
    } else if (s.op == "Z" || s.op == "ZU") {
        o << s.op << ' ' << s.word << ' ';
    } else if (s.op == "L") {
        o << "L " << s.n << ' ';
        write_block(o, s.body);
    } else if (s.op == "T") {
        o << "T ";
        write_block(o, s.body);
        for (const auto &h : s.handlers) {
            o << "H ";
            for (std::size_t i = 0; i < h.kinds.size(); ++i) o << (i ? "," : "") << h.kinds[i];
            o << ' ';
            write_block(o, h.body);
        }
        if (s.fin) {
            o << "F ";
            write_block(o, *s.fin);
        }
        o << "; ";
    }
}
void write_block(std::ostream &o, const block &b) {
    o << "[ ";
    for (const auto &s : b) write_stmt(o, s);
    o << "] ";
}
std::string to_text(const test_case &c) {
    std::ostringstream o;
    for (std::size_t i = 0; i < c.scripts.size(); ++i) {
        if (i) o << "# ";
        write_block(o, c.scripts[i]);
    }
    o << "|";
    for (const auto &op : c.ops) o << ' ' << op;
    return o.str();
}

struct parser {
    std::vector<std::string> t;
    std::size_t i = 0;
    explicit parser(const std::string &text) {
        std::istringstream in(text);
        for (std::string w; in >> w;) t.push_back(w);
    }
    const std::string &next() { return t.at(i++); }
    const std::string &peek() const { return t.at(i); }
    block parse_block() {
        if (next() != "[") throw std::runtime_error("expected [");
        block b;
        while (peek() != "]") b.push_back(parse_stmt());
        next();
        return b;
    }
    stmt parse_stmt() {
        stmt s;
        s.op = next();
        if (s.op == "Y" || s.op == "P" || s.op == "D") {
            s.n = std::stoi(next());
        } else if (s.op == "R") {
            const std::string v = next();
            s.none = v == "N";
            if (!s.none) s.n = std::stoi(v);
        } else if (s.op == "X") {
            s.word = next();
            s.n = std::stoi(next());
        } else if (s.op == "Z" || s.op == "ZU") {
            s.word = next();
        } else if (s.op == "L") {
            s.n = std::stoi(next());
            s.body = parse_block();
        } else if (s.op == "T") {
            s.body = parse_block();
            for (;;) {
                const std::string w = next();
                if (w == "H") {
                    handler h;
                    std::istringstream kinds(next());
                    for (std::string k; std::getline(kinds, k, ',');) h.kinds.push_back(k);
                    h.body = parse_block();
                    s.handlers.push_back(std::move(h));
                } else if (w == "F") {
                    s.fin = parse_block();
                } else if (w == ";") {
                    break;
                } else {
                    throw std::runtime_error("bad try: " + w);
                }
            }
        } else if (s.op != "RR") {
            throw std::runtime_error("bad statement: " + s.op);
        }
        return s;
    }
};

test_case from_text(const std::string &line) {
    test_case c;
    const auto bar = line.find('|');
    std::string scripts = line.substr(0, bar);
    std::size_t start = 0;
    for (;;) {
        const auto hash = scripts.find('#', start);
        parser p(scripts.substr(start, hash == std::string::npos ? std::string::npos : hash - start));
        c.scripts.push_back(p.parse_block());
        if (hash == std::string::npos) break;
        start = hash + 1;
    }
    std::istringstream ops(line.substr(bar + 1));
    for (std::string op; ops >> op;) c.ops.push_back(op);
    return c;
}

// ---- exceptions, as Python knows them ------------------------------------------------------------------

struct E1 : std::exception {
    std::string m;
    explicit E1(std::string s) : m(std::move(s)) {}
    const char *what() const noexcept override { return m.c_str(); }
};
struct E2 : std::exception {
    std::string m;
    explicit E2(std::string s) : m(std::move(s)) {}
    const char *what() const noexcept override { return m.c_str(); }
};
struct B1 { // BaseException, not Exception: not a std::exception
    std::string m;
};

std::exception_ptr make_exception(const std::string &kind, int arg) {
    const std::string m = "m" + std::to_string(arg);
    if (kind == "E1") return std::make_exception_ptr(E1(m));
    if (kind == "E2") return std::make_exception_ptr(E2(m));
    if (kind == "B1") return std::make_exception_ptr(B1{m});
    if (kind == "SI") return std::make_exception_ptr(twoway::stop_iteration<int>(arg));
    if (kind == "GE") return std::make_exception_ptr(twoway::generator_exit());
    throw std::runtime_error("bad kind " + kind);
}

std::string repr(const twoway::maybe<int> &v) { return v.is_none() ? "None" : std::to_string(*v); }

// Python's type name and "describe" text ("Kind: message", or "StopIteration value").
std::pair<std::string, std::string> classify(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const twoway::generator_exit &x) {
        return {"GeneratorExit", std::string("GeneratorExit: ") + x.what()};
    } catch (const twoway::stop_iteration<int> &s) {
        return {"StopIteration", "StopIteration " + repr(s.value)};
    } catch (const twoway::stop_iteration<> &) {
        return {"StopIteration", "StopIteration None"};
    } catch (const E1 &x) {
        return {"E1", std::string("E1: ") + x.what()};
    } catch (const E2 &x) {
        return {"E2", std::string("E2: ") + x.what()};
    } catch (const B1 &x) {
        return {"B1", "B1: " + x.m};
    } catch (const twoway::value_error &x) {
        return {"ValueError", std::string("ValueError: ") + x.what()};
    } catch (const twoway::type_error &x) {
        return {"TypeError", std::string("TypeError: ") + x.what()};
    } catch (const twoway::runtime_error &x) {
        return {"RuntimeError", std::string("RuntimeError: ") + x.what()};
    } catch (const std::exception &x) {
        return {"?", std::string("?: ") + x.what()};
    } catch (...) {
        return {"?", "?"};
    }
}

bool matches(const std::string &handler_kind, const std::string &kind) {
    if (handler_kind == "BaseException") return true;
    if (handler_kind == "Exception") return kind != "GeneratorExit" && kind != "B1";
    static const std::pair<const char *, const char *> names[] = {
        {"E1", "E1"}, {"E2", "E2"}, {"B1", "B1"}, {"GE", "GeneratorExit"}, {"SI", "StopIteration"},
        {"VE", "ValueError"}, {"RE", "RuntimeError"}};
    for (auto [short_name, name] : names)
        if (handler_kind == short_name) return kind == name;
    return false;
}

// ---- the interpreter: one twoway generator per script ------------------------------------------------

using gen_t = twoway::generator<int, int, int>;

struct context {
    std::vector<std::string> events;
    const std::vector<block> *scripts = nullptr;
    gen_t *outermost = nullptr;
    void rec(std::string s) { events.push_back(std::move(s)); }
};

// An activation of a block on the interpreter's own stack. C++ cannot co_yield inside a catch handler,
// so try/except/finally are run by the interpreter: the only C++ handlers catch what arrives at a
// co_yield (or from a nested call) and hand it to dispatch().
struct activation {
    enum role_t { plain, loop, try_body, handler_body, finally_body } role;
    const block *b;
    std::size_t pc = 0;
    int remaining = 0;                 // loop
    const stmt *try_stmt = nullptr;    // try_body / handler_body / finally_body
    std::exception_ptr handled;        // handler_body: the exception being handled (for RR)
    enum pending_t { none, raise, ret } pending = none; // finally_body: what to resume afterwards
    std::exception_ptr pending_exception;
    twoway::maybe<int> pending_value;

    activation(role_t r, const block *blk) : role(r), b(blk) {}
};

gen_t interpret(context &ctx, int index) {
    std::vector<activation> stack;
    stack.push_back({activation::plain, &(*ctx.scripts)[index]});
    std::exception_ptr raising;            // an exception being propagated
    bool returning = false;                // a return being propagated
    twoway::maybe<int> return_value;
    const std::string g = "G" + std::to_string(index);

    auto enter_finally = [&](const stmt *t, activation::pending_t p, std::exception_ptr e, twoway::maybe<int> v) {
        activation f{activation::finally_body, &*t->fin};
        f.try_stmt = t;
        f.pending = p;
        f.pending_exception = std::move(e);
        f.pending_value = std::move(v);
        stack.push_back(std::move(f));
        ctx.rec("finally " + g);
    };

    for (;;) {
        // Propagate a raise: find a handler or a finally, innermost first (Python's unwinding).
        if (raising) {
            std::exception_ptr e = std::exchange(raising, nullptr);
            const std::string kind = classify(e).first;
            bool handled = false;
            while (!stack.empty() && !handled) {
                activation a = std::move(stack.back());
                stack.pop_back();
                if (a.role == activation::try_body) {
                    for (const auto &h : a.try_stmt->handlers) {
                        if (std::any_of(h.kinds.begin(), h.kinds.end(), [&](const std::string &k) { return matches(k, kind); })) {
                            activation hb{activation::handler_body, &h.body};
                            hb.try_stmt = a.try_stmt;
                            hb.handled = e;
                            stack.push_back(std::move(hb));
                            ctx.rec("caught " + g + " " + kind);
                            handled = true;
                            break;
                        }
                    }
                    if (!handled && a.try_stmt->fin) {
                        enter_finally(a.try_stmt, activation::raise, e, twoway::none);
                        handled = true;
                    }
                } else if (a.role == activation::handler_body && a.try_stmt->fin) {
                    enter_finally(a.try_stmt, activation::raise, e, twoway::none);
                    handled = true;
                }
            }
            if (!handled) std::rethrow_exception(e); // leaves the generator: twoway's protocol takes over
            continue;
        }
        // Propagate a return: run the finally blocks on the way out.
        if (returning) {
            bool parked = false;
            while (!stack.empty() && !parked) {
                activation a = std::move(stack.back());
                stack.pop_back();
                if ((a.role == activation::try_body || a.role == activation::handler_body) && a.try_stmt->fin) {
                    enter_finally(a.try_stmt, activation::ret, nullptr, return_value);
                    parked = true;
                }
            }
            if (!parked) co_return return_value;
            returning = false;
            continue;
        }
        if (stack.empty()) co_return twoway::none;
        activation &top = stack.back();
        if (top.pc == top.b->size()) { // the block ended normally
            activation a = std::move(top);
            stack.pop_back();
            if (a.role == activation::loop && --a.remaining > 0) {
                a.pc = 0;
                stack.push_back(std::move(a));
            } else if ((a.role == activation::try_body || a.role == activation::handler_body) && a.try_stmt->fin) {
                enter_finally(a.try_stmt, activation::none, nullptr, twoway::none);
            } else if (a.role == activation::finally_body) {
                if (a.pending == activation::raise) raising = a.pending_exception;
                if (a.pending == activation::ret) {
                    returning = true;
                    return_value = a.pending_value;
                }
            }
            continue;
        }
        const stmt &s = (*top.b)[top.pc++];
        if (s.op == "Y") {
            try {
                auto x = co_yield s.n;
                ctx.rec("recv " + g + " " + repr(x));
            } catch (...) {
                raising = std::current_exception();
            }
        } else if (s.op == "P") {
            ctx.rec("print " + g + " " + std::to_string(s.n));
        } else if (s.op == "R") {
            returning = true;
            return_value = s.none ? twoway::maybe<int>() : twoway::maybe<int>(s.n);
        } else if (s.op == "X") {
            raising = make_exception(s.word, s.n);
        } else if (s.op == "RR") {
            // A bare raise re-raises the exception being handled: the nearest handler's, or the one a
            // finally block is running for (CPython treats that one as handled too).
            for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
                if (it->role == activation::handler_body) {
                    raising = it->handled;
                    break;
                }
                if (it->role == activation::finally_body && it->pending == activation::raise) {
                    raising = it->pending_exception;
                    break;
                }
            }
        } else if (s.op == "D") {
            try {
                auto r = co_yield twoway::from(interpret(ctx, s.n));
                ctx.rec("deleg G" + std::to_string(s.n) + " -> " + repr(r));
            } catch (...) {
                raising = std::current_exception();
            }
        } else if ((s.op == "Z" || s.op == "ZU") && !ctx.outermost) {
            ctx.rec("reenter " + s.word + ": gone"); // it is being destroyed: nobody can reach it
        } else if (s.op == "Z" || s.op == "ZU") {
            try {
                gen_t &o = *ctx.outermost;
                if (s.word == "n") o.next();
                if (s.word == "s") o.send(1);
                if (s.word == "t") o.throw_exception(E1("mz"));
                if (s.word == "c") o.close();
            } catch (...) {
                if (s.op == "Z")
                    ctx.rec("reenter " + s.word + " !! " + classify(std::current_exception()).second);
                else
                    raising = std::current_exception();
            }
        } else if (s.op == "L") {
            if (s.n > 0) {
                activation l{activation::loop, &s.body};
                l.remaining = s.n;
                stack.push_back(std::move(l));
            }
        } else if (s.op == "T") {
            activation t{activation::try_body, &s.body};
            t.try_stmt = &s;
            stack.push_back(std::move(t));
        }
    }
}

std::vector<std::string> run_twoway(const test_case &c) {
    context ctx;
    ctx.scripts = &c.scripts;
    auto previous = twoway::set_unraisable_hook(
        [&](const twoway::unraisable &u) { ctx.rec("unraisable " + classify(u.exception).second); });
    std::optional<gen_t> g(interpret(ctx, 0));
    ctx.outermost = &*g;
    for (const auto &op : c.ops) {
        if (!g) break;
        std::vector<std::string> parts;
        std::istringstream in(op);
        for (std::string p; std::getline(in, p, ':');) parts.push_back(p);
        try {
            std::string result;
            if (parts[0] == "n") result = std::to_string(g->next());
            if (parts[0] == "s") result = std::to_string(g->send(std::stoi(parts[1])));
            if (parts[0] == "t") result = std::to_string(g->throw_exception(make_exception(parts[1], std::stoi(parts[2]))));
            if (parts[0] == "c") result = repr(g->close());
            if (parts[0] == "d") {
                ctx.outermost = nullptr;
                g.reset();
                ctx.rec("op d");
                continue;
            }
            ctx.rec("op " + op + " -> " + result);
        } catch (...) {
            ctx.rec("op " + op + " !! " + classify(std::current_exception()).second);
        }
        ctx.rec(std::string("state ") + twoway::to_string(g->state()));
    }
    if (g) {
        ctx.outermost = nullptr;
        g.reset();
        ctx.rec("end");
    }
    twoway::set_unraisable_hook(std::move(previous));
    return ctx.events;
}

// ---- random cases -----------------------------------------------------------------------------------

struct case_generator {
    std::mt19937_64 rng;
    explicit case_generator(std::uint64_t seed) : rng(seed) {}
    int pick(int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); }
    bool chance(int percent) { return pick(100) < percent; }

    std::string kind() {
        static const char *k[] = {"E1", "E1", "E2", "B1", "SI", "GE"};
        return k[pick(6)];
    }
    // Subgenerators (scripts after the first) never survive a close: they do not catch GeneratorExit and
    // do not yield in handlers or finally blocks. A subgenerator that survives its close is finalized by
    // twoway when its delegation ends and by CPython when the last reference to the delegator's finished
    // frame goes, a point that depends on CPython's reference keeping (docs/difftest.md); the outermost
    // generator has no such limit.
    std::vector<std::string> handler_kinds(bool subgenerator) {
        static const char *k[] = {"E1", "E2", "B1", "SI", "Exception", "VE", "RE", "GE", "BaseException"};
        const int choices = subgenerator ? 7 : 9;
        std::vector<std::string> out{k[pick(choices)]};
        if (chance(25)) out.push_back(k[pick(choices)]);
        return out;
    }

    block make_block(int depth, int script, int scripts, bool in_handler, bool no_yield = false) {
        block b;
        const int n = 1 + pick(depth > 3 ? 2 : 4);
        for (int i = 0; i < n; ++i) b.push_back(make_stmt(depth, script, scripts, in_handler, no_yield));
        return b;
    }
    stmt make_stmt(int depth, int script, int scripts, bool in_handler, bool no_yield) {
        stmt s;
        const int r = pick(100);
        const bool sub = script > 0;
        if (depth < 5 && r < 18) {
            s.op = "T";
            s.body = make_block(depth + 1, script, scripts, in_handler, no_yield);
            const int handlers = pick(3);
            for (int i = 0; i < handlers; ++i)
                s.handlers.push_back({handler_kinds(sub), make_block(depth + 1, script, scripts, true, no_yield || sub)});
            if (handlers == 0 || chance(50)) s.fin = make_block(depth + 1, script, scripts, in_handler, no_yield || sub);
            return s;
        }
        if (no_yield && (r >= 24 && r < 58)) { // no yield here: record instead
            s.op = "P";
            s.n = pick(10);
            return s;
        }
        if (depth < 5 && r < 24) {
            s.op = "L";
            s.n = 1 + pick(3);
            s.body = make_block(depth + 1, script, scripts, in_handler, no_yield);
        } else if (r < 58) {
            s.op = "Y";
            s.n = pick(100);
        } else if (r < 64) {
            s.op = "P";
            s.n = pick(10);
        } else if (r < 71) {
            s.op = "R";
            s.none = chance(30);
            s.n = pick(100);
        } else if (r < 80) {
            s.op = "X";
            s.word = kind();
            s.n = pick(10);
        } else if (r < 84 && in_handler) {
            s.op = "RR";
        } else if (r < 93 && script + 1 < scripts && !no_yield) {
            s.op = "D";
            s.n = script + 1 + pick(scripts - script - 1);
        } else if (r < 97) {
            s.op = chance(70) ? "Z" : "ZU";
            static const char *ops[] = {"n", "s", "t", "c"};
            s.word = ops[pick(4)];
        } else {
            s.op = no_yield ? "P" : "Y";
            s.n = pick(100);
        }
        return s;
    }

    test_case make_case() {
        test_case c;
        const int scripts = 1 + pick(4);
        for (int i = 0; i < scripts; ++i) c.scripts.push_back(make_block(0, i, scripts, false));
        const int ops = 1 + pick(8);
        for (int i = 0; i < ops; ++i) {
            const int r = pick(100);
            if (r < 35)
                c.ops.push_back("n");
            else if (r < 60)
                c.ops.push_back("s:" + std::to_string(pick(100)));
            else if (r < 80)
                c.ops.push_back("t:" + kind() + ":" + std::to_string(pick(10)));
            else if (r < 95)
                c.ops.push_back("c");
            else
                c.ops.push_back("d");
        }
        return c;
    }
};

// ---- the CPython process ------------------------------------------------------------------------------

class python_side {
public:
    python_side(const std::string &python, const std::string &script) {
        int to_child[2], from_child[2];
        if (pipe(to_child) != 0 || pipe(from_child) != 0) throw std::runtime_error("pipe failed");
        pid_ = fork();
        if (pid_ == 0) {
            dup2(to_child[0], 0);
            dup2(from_child[1], 1);
            close(to_child[1]);
            close(from_child[0]);
            execl(python.c_str(), python.c_str(), script.c_str(), static_cast<char *>(nullptr));
            _exit(127);
        }
        close(to_child[0]);
        close(from_child[1]);
        in_ = fdopen(to_child[1], "w");
        out_ = fdopen(from_child[0], "r");
    }
    ~python_side() {
        std::fclose(in_);
        std::fclose(out_);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    std::vector<std::string> run(const std::string &line) {
        std::fputs((line + "\n").c_str(), in_);
        std::fflush(in_);
        std::vector<std::string> events;
        char buf[4096];
        while (std::fgets(buf, sizeof buf, out_)) {
            std::string s(buf);
            if (!s.empty() && s.back() == '\n') s.pop_back();
            if (s == "=END=") return events;
            events.push_back(s);
        }
        throw std::runtime_error("the Python side stopped answering");
    }

private:
    pid_t pid_;
    FILE *in_;
    FILE *out_;
};

std::optional<std::string> find_python(const std::string &option) {
    auto version_ok = [](const std::string &py) {
        const std::string cmd = "'" + py + "' -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' 2>/dev/null";
        return std::system(cmd.c_str()) == 0;
    };
    std::vector<std::string> candidates;
    if (!option.empty()) candidates.push_back(option);
    if (const char *env = std::getenv("TWOWAY_PYTHON")) candidates.emplace_back(env);
    if (const char *home = std::getenv("HOME")) candidates.push_back(std::string(home) + "/.pyenv/versions/3.13.0/bin/python3");
    if (const char *root = std::getenv("PYENV_ROOT")) candidates.push_back(std::string(root) + "/versions/3.13.0/bin/python3");
    candidates.emplace_back("python3.13");
    candidates.emplace_back("python3");
    for (const auto &c : candidates)
        if (version_ok(c)) return c;
    return std::nullopt;
}

// ---- comparison and shrinking -----------------------------------------------------------------------

bool diverges(python_side &py, const test_case &c) { return py.run(to_text(c)) != run_twoway(c); }

// Greedy: drop operations, statements, handlers and scripts while the case still diverges.
test_case shrink(python_side &py, test_case c) {
    bool progress = true;
    while (progress) {
        progress = false;
        for (std::size_t i = 0; i < c.ops.size(); ++i) {
            test_case t = c;
            t.ops.erase(t.ops.begin() + static_cast<long>(i));
            if (diverges(py, t)) {
                c = t;
                progress = true;
                --i;
            }
        }
        // Statements: try removing each, at every depth (walk with an index path).
        std::function<bool(block &, test_case &)> reduce_block = [&](block &b, test_case &whole) {
            for (std::size_t i = 0; i < b.size(); ++i) {
                stmt saved = b[i];
                b.erase(b.begin() + static_cast<long>(i));
                if (diverges(py, whole)) return true;
                b.insert(b.begin() + static_cast<long>(i), saved);
                stmt &s = b[i];
                if (reduce_block(s.body, whole)) return true;
                for (auto &h : s.handlers)
                    if (reduce_block(h.body, whole)) return true;
                if (s.fin && reduce_block(*s.fin, whole)) return true;
            }
            return false;
        };
        for (auto &script : c.scripts)
            if (reduce_block(script, c)) {
                progress = true;
                break;
            }
    }
    return c;
}

void print_diff(const std::vector<std::string> &py, const std::vector<std::string> &tw) {
    const std::size_t n = std::max(py.size(), tw.size());
    for (std::size_t i = 0; i < n; ++i) {
        const std::string a = i < py.size() ? py[i] : "<none>";
        const std::string b = i < tw.size() ? tw[i] : "<none>";
        std::cout << (a == b ? "   " : " ! ") << "CPython: " << a << "\n" << (a == b ? "   " : " ! ") << "twoway:  " << b << "\n";
    }
}

int main(int argc, char **argv) {
    long long cases = 1000;
    std::uint64_t seed = 1;
    std::string python_option, save_dir, replay_dir, script = DIFFTEST_PYSIDE;
    bool verbose = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (a == "--cases") cases = std::stoll(value());
        else if (a == "--seed") seed = std::stoull(value());
        else if (a == "--python") python_option = value();
        else if (a == "--save") save_dir = value();
        else if (a == "--replay") replay_dir = value();
        else if (a == "--pyside") script = value();
        else if (a == "--verbose") verbose = true;
        else {
            std::cerr << "usage: difftest [--cases N] [--seed S] [--python PATH] [--save DIR] [--replay DIR] [--verbose]\n";
            return 2;
        }
    }
    const auto python = find_python(python_option);
    if (!python) {
        std::cout << "difftest: no CPython >= 3.13 found (--python, TWOWAY_PYTHON, pyenv 3.13.0, python3): SKIPPED\n";
        return 77;
    }
    python_side py(*python, script);

    if (!replay_dir.empty()) {
        int failed = 0, total = 0;
        for (const auto &entry : fs::directory_iterator(replay_dir)) {
            if (entry.path().extension() != ".case") continue;
            std::ifstream in(entry.path());
            std::string line;
            std::getline(in, line);
            ++total;
            const test_case c = from_text(line);
            const auto expected = py.run(line);
            const auto actual = run_twoway(c);
            if (expected != actual) {
                ++failed;
                std::cout << "REGRESSION " << entry.path().filename().string() << ": " << line << "\n";
                print_diff(expected, actual);
            }
        }
        std::cout << total << " regression cases replayed, " << failed << " diverge\n";
        return failed ? 1 : 0;
    }

    long long divergences = 0;
    for (long long k = 0; k < cases; ++k) {
        case_generator gen(seed * 1000003ULL + static_cast<std::uint64_t>(k));
        const test_case c = gen.make_case();
        const std::string line = to_text(c);
        const auto expected = py.run(line);
        const auto actual = run_twoway(c);
        if (verbose) std::cout << line << "\n";
        if (expected == actual) continue;
        ++divergences;
        const test_case small = shrink(py, c);
        const std::string small_line = to_text(small);
        std::cout << "DIVERGENCE (seed " << seed << ", case " << k << "), shrunk:\n  " << small_line << "\n";
        print_diff(py.run(small_line), run_twoway(small));
        if (!save_dir.empty()) {
            fs::create_directories(save_dir);
            std::ofstream(fs::path(save_dir) / ("seed" + std::to_string(seed) + "_case" + std::to_string(k) + ".case"))
                << small_line << "\n";
        }
        if (divergences >= 5) break;
    }
    std::cout << cases << " cases from seed " << seed << " against CPython " << *python << ": " << divergences
              << " divergences\n";
    return divergences ? 1 : 0;
}

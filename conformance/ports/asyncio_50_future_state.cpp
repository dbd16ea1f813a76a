// Port of asyncio/50_future_state.py — Rules: U1-U4 (Future states, result/exception, InvalidStateError
// texts, set_exception conversions, cancel).
#include "asyncio_support.hpp"

namespace {

// Python's KeyError: str() is the repr of the key, repr() is KeyError('k') (KeyError() without a key).
struct KeyError : std::exception, trace::named {
    KeyError() = default;
    explicit KeyError(std::string k) : key(std::move(k)), text(trace::repr(key)) {}
    const char *what() const noexcept override { return text.c_str(); }
    const char *python_type() const noexcept override { return "KeyError"; }
    std::string key, text;
};

// repr() of an exception object (None for a null one).
trace::object exc_repr(const std::exception_ptr &e) {
    if (!e) return {"None"};
    try {
        std::rethrow_exception(e);
    } catch (const KeyError &k) {
        return {k.text.empty() ? "KeyError()" : "KeyError(" + k.text + ")"};
    } catch (const twoway::stop_iteration<int> &s) {
        return {"StopIteration(" + trace::repr(s.value) + ")"};
    } catch (...) {
        return {twoway::exception_repr(e)};
    }
}

// The trace's attempt(): "| args=(...)" always, "| __cause__=repr" when the exception has a cause.
std::string args_and_cause(const std::exception_ptr &e) {
    std::string s = " | args=" + trace::args_of(e);
    if (auto c = trace::cause_of(e)) s += " | __cause__=" + exc_repr(c).repr_text;
    return s;
}

template <class F>
std::exception_ptr attempt(const std::string &label, F &&fn) {
    return trace::attempt(label, std::forward<F>(fn), args_and_cause);
}

template <class T>
std::string status(const twoway::future<T> &f) {
    return "done=" + trace::repr(f.done()) + " cancelled=" + trace::repr(f.cancelled());
}

} // namespace

int main() {
    twoway::event_loop loop = twoway::new_event_loop();

    std::cout << "== pending\n";
    auto f = loop.create_future<std::string>();
    std::cout << status(f) << "\n";
    attempt("f.result()", [&] { return f.result(); });
    attempt("f.exception()", [&] { return exc_repr(f.exception()); });

    std::cout << "== set_result\n";
    attempt("f.set_result('R')", [&] { f.set_result("R"); });
    std::cout << status(f) << "\n";
    attempt("f.result()", [&] { return f.result(); });
    attempt("f.exception()", [&] { return exc_repr(f.exception()); });
    attempt("f.set_result('again')", [&] { f.set_result("again"); });
    attempt("f.set_exception(ValueError())", [&] { f.set_exception(twoway::value_error()); });
    attempt("f.cancel()", [&] { return f.cancel(); });
    std::cout << "still: " << status(f) << " | result: " << f.result() << "\n";

    std::cout << "== set_exception\n";
    f = loop.create_future<std::string>();
    const std::exception_ptr exc = std::make_exception_ptr(twoway::value_error("bad value"));
    attempt("f.set_exception(exc)", [&] { f.set_exception(exc); });
    std::cout << status(f) << "\n";
    const std::exception_ptr res = attempt("f.result()", [&] { return f.result(); });
    std::cout << "result() raised the same object: " << trace::repr(trace::same_object(res, exc)) << "\n";
    std::cout << "exception() returns it: " << trace::repr(trace::same_object(f.exception(), exc)) << "\n";
    f = loop.create_future<std::string>();
    attempt("f.set_exception(KeyError)  (a class)", [&] { f.set_exception<KeyError>(); });
    attempt("f.exception()", [&] { return exc_repr(f.exception()); });
    f = loop.create_future<std::string>();
    // set_exception(42) and set_exception("text") do not compile: only an exception object (a class
    // type that is not a string) or an exception_ptr is accepted.
    trace::skip_line("f.set_exception(42): not an exception object (compile-time error)");
    trace::skip_line("f.set_exception('text'): not an exception object (compile-time error)");
    std::cout << "after rejected set_exception: " << status(f) << "\n";
    f.cancel();

    std::cout << "== set_exception(StopIteration): stored as RuntimeError (3.13+)\n";
    f = loop.create_future<std::string>();
    attempt("f.set_exception(StopIteration(5))", [&] { f.set_exception(twoway::stop_iteration<int>(5)); });
    std::cout << status(f) << "\n";
    attempt("f.result()", [&] { return f.result(); });

    std::cout << "== set_exception(CancelledError()) is an exception, not a cancellation\n";
    f = loop.create_future<std::string>();
    f.set_exception(twoway::cancelled_error("as exception"));
    std::cout << status(f) << "\n";
    attempt("f.result()", [&] { return f.result(); });

    std::cout << "== cancel\n";
    f = loop.create_future<std::string>();
    attempt("f.cancel('why')", [&] { return f.cancel("why"); });
    std::cout << status(f) << "\n";
    attempt("f.cancel('again')", [&] { return f.cancel("again"); });
    attempt("f.result()", [&] { return f.result(); });
    attempt("f.exception()", [&] { return exc_repr(f.exception()); });
    attempt("f.set_result('late')", [&] { f.set_result("late"); });
    f = loop.create_future<std::string>();
    f.cancel();
    attempt("no message: f.result()", [&] { return f.result(); });
    loop.call_soon([loop] { loop.stop(); });
    loop.run_forever();
    loop.close();
}

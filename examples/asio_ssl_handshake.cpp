// A TLS handshake awaited in twoway coroutines: Asio's SSL stream (OpenSSL) with the completion token
// twoway::use_awaitable, as for any Asio operation. Built where OpenSSL is found.
//
// A server task accepts one connection on loopback and shakes hands with a certificate made here
// (self-signed, for "localhost"); the client trusts exactly that certificate, checks the host name, sends
// a line through the encrypted stream and reads the answer. An Asio error comes out of the co_await as
// std::system_error; a cancelled task cancels the operation it waits in.
#include <iostream>
#include <memory>
#include <string>

#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/ssl.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "twoway/asyncio.hpp"

using asio::ip::tcp;
using twoway::coroutine;
using tls_stream = asio::ssl::stream<tcp::socket>;

namespace {

struct certificate {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
    std::unique_ptr<X509, decltype(&X509_free)> cert{nullptr, X509_free};
};

// A P-256 key and a self-signed certificate for "localhost", valid for an hour.
certificate make_certificate() {
    certificate c;
    c.key.reset(EVP_EC_gen("P-256"));
    c.cert.reset(X509_new());
    X509 *x = c.cert.get();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, c.key.get());
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("localhost"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, c.key.get(), EVP_sha256());
    return c;
}

coroutine<void> serve_one(tcp::acceptor &acceptor, asio::ssl::context &context) {
    tcp::socket socket = co_await acceptor.async_accept(twoway::use_awaitable);
    tls_stream tls(std::move(socket), context);
    co_await tls.async_handshake(asio::ssl::stream_base::server, twoway::use_awaitable);
    asio::streambuf in;
    co_await asio::async_read_until(tls, in, '\n', twoway::use_awaitable);
    std::string line(asio::buffers_begin(in.data()), asio::buffers_end(in.data()));
    std::cout << "server received " << twoway::bytes_repr(line) << " over TLS\n";
    const std::string reply = "hello, " + line;
    co_await asio::async_write(tls, asio::buffer(reply), twoway::use_awaitable);
}

coroutine<void> main_() {
    asio::io_context &io = twoway::get_running_loop().get_io_context();
    certificate c = make_certificate();

    asio::ssl::context server_context(asio::ssl::context::tls_server);
    SSL_CTX_use_certificate(server_context.native_handle(), c.cert.get());
    SSL_CTX_use_PrivateKey(server_context.native_handle(), c.key.get());
    asio::ssl::context client_context(asio::ssl::context::tls_client);
    X509_STORE_add_cert(SSL_CTX_get_cert_store(client_context.native_handle()), c.cert.get());
    client_context.set_verify_mode(asio::ssl::verify_peer);

    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    twoway::task<void> server = twoway::create_task(serve_one(acceptor, server_context));

    tcp::socket socket(io);
    co_await socket.async_connect(acceptor.local_endpoint(), twoway::use_awaitable);
    tls_stream tls(std::move(socket), client_context);
    tls.set_verify_callback(asio::ssl::host_name_verification("localhost"));
    co_await tls.async_handshake(asio::ssl::stream_base::client, twoway::use_awaitable);
    std::cout << "handshake done: " << SSL_get_version(tls.native_handle()) << ", the server's certificate verified\n";

    const std::string line = "twoway\n";
    co_await asio::async_write(tls, asio::buffer(line), twoway::use_awaitable);
    asio::streambuf in;
    co_await asio::async_read_until(tls, in, '\n', twoway::use_awaitable);
    std::string reply(asio::buffers_begin(in.data()), asio::buffers_end(in.data()));
    std::cout << "client received " << twoway::bytes_repr(reply) << "\n";
    co_await server;

    // A handshake with a client that trusts nobody fails, as an exception at the co_await.
    twoway::task<void> second = twoway::create_task(serve_one(acceptor, server_context));
    asio::ssl::context trusting_nobody(asio::ssl::context::tls_client);
    trusting_nobody.set_verify_mode(asio::ssl::verify_peer);
    tcp::socket socket2(io);
    co_await socket2.async_connect(acceptor.local_endpoint(), twoway::use_awaitable);
    tls_stream tls2(std::move(socket2), trusting_nobody);
    try {
        co_await tls2.async_handshake(asio::ssl::stream_base::client, twoway::use_awaitable);
    } catch (const std::system_error &e) {
        std::cout << "an untrusted certificate: the handshake raised std::system_error\n";
    }
    second.cancel(); // the server side waits in its handshake or read: cancelled there
    try {
        co_await second;
    } catch (const twoway::cancelled_error &) {
        std::cout << "the second server task was cancelled\n";
    } catch (const std::system_error &) {
        std::cout << "the second server task saw the failed handshake\n";
    }
}

} // namespace

int main() { twoway::run(main_()); }

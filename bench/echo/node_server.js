// Echo server written the way a Node.js user would with the `net` module: write back every chunk that
// arrives. noDelay sets TCP_NODELAY, as every server of the benchmark does (asyncio does it by default).
// Usage: node node_server.js PORT
'use strict';
const net = require('net');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
    console.error('usage: node node_server.js PORT');
    process.exit(2);
}
const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => socket.destroy()); // a reset client is not the server's error
});
server.listen(port, '127.0.0.1');

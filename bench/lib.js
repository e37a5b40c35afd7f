// Helpers shared by bench/run.js and bench/suite.js: statistics, rounding, and the bare QMP
// plumbing both use to time QEMU with no library in between (we listen on a UNIX socket, QEMU
// connects to it as a client, we read newline-delimited JSON). Kept in one place so the two
// "no library" baselines cannot drift apart. Deliberately dependency-free and not part of dist/:
// the bare variant must not share code with the library it is compared against.
'use strict';

const net = require('node:net');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// No default for digits: the scripts report at different precisions, so each call says which.
function round(value, digits) {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The arguments that make QEMU connect its QMP monitor to our socket at socketPath. */
function qmpMonitorArgs(socketPath) {
  return ['-chardev', `socket,id=mon,path=${socketPath}`, '-mon', 'chardev=mon,mode=control'];
}

/**
 * Listen on socketPath before QEMU starts, so its connect cannot race us. Resolves once
 * listening, with the server (close it after the connection) and a promise of that connection.
 */
async function listenForQemu(socketPath) {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(socketPath, resolve));
  const connected = new Promise((resolve) => server.once('connection', resolve));
  return { server, connected };
}

/** A bare QMP connection: newline-delimited JSON over a socket, replies in order. */
class RawQmp {
  constructor(socket) {
    this.socket = socket;
    this.buffer = '';
    this.waiters = [];
    this.lines = [];
    socket.setEncoding('utf8');
    socket.setNoDelay(true); // a no-op on UNIX sockets; keeps replies prompt if one is ever TCP
    socket.on('error', () => undefined); // QEMU closing its end after quit is not a failure
    socket.on('data', (chunk) => {
      this.buffer += chunk;
      let newline;
      while ((newline = this.buffer.indexOf('\n')) !== -1) {
        const message = JSON.parse(this.buffer.slice(0, newline));
        this.buffer = this.buffer.slice(newline + 1);
        if (message.event !== undefined) {
          continue; // events (SHUTDOWN after quit) are not what the waiters want
        }
        const waiter = this.waiters.shift();
        if (waiter) waiter(message);
        else this.lines.push(message);
      }
    });
  }

  /** The next non-event message: the greeting first, then one reply per call. */
  next() {
    const ready = this.lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Send a command and wait for its reply; an undefined id is left out of the JSON. */
  call(command, id, args) {
    const message =
      args === undefined ? { execute: command, id } : { execute: command, arguments: args, id };
    this.socket.write(`${JSON.stringify(message)}\n`);
    return this.next();
  }
}

module.exports = { median, round, qmpMonitorArgs, listenForQemu, RawQmp };

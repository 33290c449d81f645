import { lastErrno, libc as loadLibc } from '../../apps/lib/libc.ts';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
/** A full receiver queue fails the send (and it is retried) instead of blocking the event loop. */
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
/** sockaddr_un: sa_family_t, then sun_path[108]. */
const SUN_PATH = 108;

interface Libc {
  socket: (domain: number, type: number, protocol: number) => number;
  connect: (fd: number, address: Buffer, length: number) => number;
  send: (fd: number, buffer: Buffer, length: number, flags: number) => number;
  close: (fd: number) => number;
}

let libc: Libc | undefined;

function bind(): Libc {
  const lib = loadLibc();
  if (lib === null) throw new Error('Unix datagram sockets need glibc (libc.so.6) through koffi, which this system does not have');
  return {
    socket: lib.func('int socket(int domain, int type, int protocol)') as Libc['socket'],
    connect: lib.func('int connect(int fd, const void *address, uint32_t length)') as Libc['connect'],
    send: lib.func('intptr_t send(int fd, const void *buffer, size_t length, int flags)') as Libc['send'],
    close: lib.func('int close(int fd)') as Libc['close'],
  };
}

function failure(what: string, socketPath: string): Error {
  const name = lastErrno();
  return Object.assign(new Error(`${what} ${socketPath}: ${name}`), { code: name });
}

/**
 * Sends one datagram to a Unix datagram socket such as /dev/log, which Node's
 * own sockets cannot reach (node:dgram speaks UDP only), through libc.
 */
export function sendUnixDatagram(socketPath: string, message: Buffer): void {
  const address = Buffer.alloc(2 + SUN_PATH);
  if (Buffer.byteLength(socketPath) >= SUN_PATH) throw new Error(`${socketPath} is longer than a Unix socket path may be (${SUN_PATH - 1} bytes)`);
  address.writeUInt16LE(AF_UNIX, 0);
  address.write(socketPath, 2);
  libc ??= bind();
  const fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw failure('cannot open a socket for', socketPath);
  try {
    if (libc.connect(fd, address, address.length) !== 0) throw failure('cannot connect to', socketPath);
    if (libc.send(fd, message, message.length, 0) !== message.length) throw failure('cannot send to', socketPath);
  } finally {
    libc.close(fd);
  }
}

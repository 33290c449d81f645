import dgram from 'node:dgram';
import { isIP } from 'node:net';
import net from 'node:net';
import type { Alert } from './alert.ts';
import { oneByOne, type Output } from './lane.ts';
import type { SyslogTarget } from './settings.ts';
import { syslogLine } from './syslog-line.ts';
import { sendUnixDatagram } from './unix-datagram.ts';

const CONNECT_TIMEOUT_MS = 5000;

/** How one message leaves: resolves once the kernel took it. */
type Send = (line: string, signal: AbortSignal) => Promise<void>;

/** A stream connection kept open between alerts and made again after the receiver closed it. */
function streamSender(connectTo: () => net.Socket, frame: (line: string) => string): { send: Send; close: () => void } {
  let socket: net.Socket | undefined;
  const connect = (signal: AbortSignal) =>
    new Promise<net.Socket>((resolve, reject) => {
      const s = connectTo();
      const fail = (error: Error) => {
        s.destroy();
        reject(error);
      };
      s.setTimeout(CONNECT_TIMEOUT_MS, () => fail(new Error('connection timed out')));
      signal.addEventListener('abort', () => fail(new Error('stopping')), { once: true });
      s.once('error', fail);
      s.once('connect', () => {
        s.setTimeout(0);
        s.off('error', fail);
        // Whatever the receiver sends is not for us; its end, or an error, means the next alert connects again.
        s.on('data', () => {}).on('error', () => {}).on('close', () => {
          if (socket === s) socket = undefined;
        });
        resolve(s);
      });
    });
  return {
    async send(line, signal) {
      socket ??= await connect(signal);
      const s = socket;
      await new Promise<void>((resolve, reject) => s.write(frame(line), (error) => (error ? reject(error) : resolve())));
    },
    close: () => socket?.destroy(),
  };
}

function udpSender(host: string, port: number): { send: Send; close: () => void } {
  let socket: dgram.Socket | undefined;
  return {
    send: (line) =>
      new Promise((resolve, reject) => {
        socket ??= dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4').unref();
        socket.send(line, port, host, (error) => (error ? reject(error) : resolve()));
      }),
    close: () => socket?.close(),
  };
}

/**
 * /dev/log is a datagram socket on most systems, a stream one on some
 * (syslog-ng's default): the first connection tells which.
 */
function unixSender(socketPath: string): { send: Send; close: () => void } {
  const stream = streamSender(() => net.connect({ path: socketPath }), (line) => `${line}\n`);
  let datagram = false;
  return {
    async send(line, signal) {
      if (!datagram) {
        try {
          return await stream.send(line, signal);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EPROTOTYPE') throw error;
          datagram = true;
        }
      }
      sendUnixDatagram(socketPath, Buffer.from(line));
    },
    close: stream.close,
  };
}

function senderFor(target: SyslogTarget): { send: Send; close: () => void } {
  if (target.transport === 'unix') return unixSender(target.path);
  if (target.transport === 'udp') return udpSender(target.host, target.port);
  // RFC 6587 octet counting: a line may hold anything, its length says where it ends.
  return streamSender(() => net.connect({ host: target.host, port: target.port }), (line) => `${Buffer.byteLength(line)} ${line}`);
}

/** RFC 5424 lines over UDP (best effort: UDP cannot tell a lost datagram), TCP or a Unix socket. */
export function syslogOutput(target: SyslogTarget): Output {
  const sender = senderFor(target);
  return {
    name: 'syslog',
    batch: 50,
    deliver: (items, signal) => oneByOne(items, (item) => sender.send(syslogLine(item as Alert), signal)),
    close: async () => sender.close(),
  };
}

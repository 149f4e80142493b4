import net, { type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy a test can cut and restore, slow down or pause, to give the system a real
 * outage or a slow server (the store, say) without touching the server itself or other tests.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private replyDelayMs = 0;
  private paused: Promise<void> | undefined;
  private resumePaused: (() => void) | undefined;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<number> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      // Like a real server going away: when either side closes or fails, so does the other
      // (a client left waiting on a half-dead connection would hang, which no real store does).
      for (const [socket, peer] of [[client, upstream], [upstream, client]] as const) {
        this.sockets.add(socket);
        socket.on('close', () => {
          this.sockets.delete(socket);
          peer.destroy();
        });
        socket.on('error', () => socket.destroy());
      }
      this.forward(client, upstream, false);
      this.forward(upstream, client, true);
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  /** Every reply of the server reaches the client this much later (order kept). */
  delayReplies(ms: number): void {
    this.replyDelayMs = ms;
  }

  /** Holds every byte in both directions (the server "freezes", as under SIGSTOP) until resume(). */
  pause(): void {
    if (this.paused) return;
    this.paused = new Promise((resolve) => (this.resumePaused = resolve));
  }

  resume(): void {
    this.resumePaused?.();
    this.paused = undefined;
    this.resumePaused = undefined;
  }

  /** Drops every connection and refuses new ones: the server is "down". */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again on the same port (no-op while it does already). */
  async restore(): Promise<void> {
    if (!this.server) await this.start(this.port);
  }

  /** Stops the proxy for good (end of the test). */
  async close(): Promise<void> {
    this.resume();
    await this.cut();
  }

  /** Copies `from` to `to` chunk by chunk, in order, honouring a pause and (for replies) the delay. */
  private forward(from: Socket, to: Socket, isReply: boolean): void {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      const due = Date.now() + (isReply ? this.replyDelayMs : 0);
      if (!this.paused && due <= Date.now()) {
        chain = chain.then(() => void to.write(chunk));
        return;
      }
      chain = chain.then(async () => {
        while (this.paused) await this.paused;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        while (this.paused) await this.paused;
        if (!to.destroyed) to.write(chunk);
      });
    });
    from.on('end', () => void chain.then(() => to.end()));
  }
}

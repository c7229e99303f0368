/**
 * A loopback Slack incoming-webhook receiver: `@slack/webhook` posts to it. Responses are scripted
 * per request (200, 429 with Retry-After, 5xx, 4xx with Slack's error bodies, connection resets,
 * hangs); every request body is kept for assertions.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type SlackResponse =
  | { status: number; body?: string; retryAfter?: number; /** Answer only after this long (a slow Slack). */ delayMs?: number }
  | { reset: true }
  | { hang: true };

export class SlackReceiver {
  private readonly server: Server;
  private readonly script: SlackResponse[] = [];
  private readonly sockets = new Set<Socket>();
  /** Every request, including refused ones. */
  readonly requests: { path: string; body: string; json: unknown; answered: number | 'reset' | 'hang' }[] = [];
  url = '';
  /** Bodies Slack accepted (200), kept across reset(). */
  readonly deliveredLog: string[] = [];
  /** Bodies that may have reached the channel: accepted, or never answered (hang, reset); kept across reset(). */
  readonly possiblyDeliveredLog: string[] = [];
  /** Called as each request arrives (before it is answered): lets a test inject a fault elsewhere. */
  onRequest: (() => void) | undefined;

  constructor() {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      this.onRequest?.();
      const next = this.script.shift() ?? { status: 200, body: 'ok' };
      const record = { path: req.url ?? '/', body, json, answered: 0 as number | 'reset' | 'hang' };
      this.requests.push(record);
      if (!('status' in next) || next.status === 200) this.possiblyDeliveredLog.push(body);
      if ('reset' in next) {
        record.answered = 'reset';
        req.socket.destroy();
        return;
      }
      if ('hang' in next) {
        record.answered = 'hang';
        return;
      }
      record.answered = next.status;
      if (next.status === 200) this.deliveredLog.push(body);
      if (next.delayMs) await new Promise((resolve) => setTimeout(resolve, next.delayMs));
      if (res.destroyed || req.socket.destroyed) return;
      res.writeHead(next.status, { 'content-type': 'text/plain', ...(next.retryAfter !== undefined ? { 'retry-after': String(next.retryAfter) } : {}) });
      res.end(next.body ?? (next.status === 200 ? 'ok' : 'error'));
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** The secret-looking webhook URL to configure. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/services/T0SECRET/B0SECRET/xoxSECRETtoken123`;
    return this.url;
  }

  /** Queues responses for the next requests (default afterwards: 200 ok). */
  respond(...responses: SlackResponse[]): void {
    this.script.push(...responses);
  }

  /** Bodies of the requests Slack accepted (200). */
  delivered(): { text: string; blocks: { type: string; [k: string]: unknown }[] }[] {
    return this.requests.filter((r) => r.answered === 200).map((r) => r.json as { text: string; blocks: { type: string }[] });
  }

  reset(): void {
    this.script.length = 0;
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

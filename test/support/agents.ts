import WebSocket from 'ws';
import { HandshakeClient, type HandshakeClientOptions } from '../../client/index';
import { authorizeAtProvider, Browser } from '../../local/scripted-browser';

export interface DemoAgentOptions {
  /** Where the provider sends the browser back: the environment's API (the default) or a shared auth origin. */
  callbackBase?: string;
  /** Collects the URL of every page the browser ends on. */
  pages?: string[];
  /** Client options over the defaults (fast polling, a 20 s handshake timeout, `ws` sockets). */
  client?: Partial<HandshakeClientOptions>;
}

/**
 * An IDE as an IDE runs it: the real client, in its default loopback mode, whose own browser (its own cookie
 * jar) completes the demo provider's pages over real HTTP as `login` and follows wherever the broker sends it.
 */
export function demoAgent(api: { apiUrl: string; wsUrl: string }, login: string, options: DemoAgentOptions = {}) {
  const browser = new Browser();
  const callbackBase = options.callbackBase ?? api.apiUrl;
  return new HandshakeClient({
    apiUrl: api.apiUrl,
    wsUrl: api.wsUrl,
    pollIntervalMs: 50,
    timeoutMs: 20_000,
    WebSocket: WebSocket as never,
    openBrowser: async (url) => {
      const callback = await authorizeAtProvider(browser, url, `${callbackBase}/no-auth/provider-token/`, login);
      const page = await browser.follow(callback);
      options.pages?.push(page.url);
    },
    ...options.client,
  });
}

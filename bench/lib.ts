import { pathToFileURL } from 'node:url';

/** The bundled broker library (`bench/lib-entry.ts`) and Grant's bundled handler module, as the bench loads them. */
export type BrokerLib = typeof import('./lib-entry');
export type GrantLib = typeof import('./grant/handler');

/** Loads a bundle built by `bundleAll` (an ES module file); its exports are those of its entry. */
export async function loadBundle<T>(file: string): Promise<T> {
  return (await import(pathToFileURL(file).href)) as T;
}

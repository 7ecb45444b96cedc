/**
 * The bid request's `client` block from a browser (API.md "Sealed bids"): a stable id of this browser profile (a
 * random id kept in localStorage — browsers expose no MAC addresses) and the tool's version. The collusion screens
 * compare device ids across bidders.
 */
const KEY = 'ebid.deviceId';

export function browserDeviceId(): string {
  let id = localStorage.getItem(KEY);
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    id = `browser-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    localStorage.setItem(KEY, id);
  }
  return id;
}

export const CONSOLE_TOOL_VERSION = 'ebid-console/0.1.0 (sealed-bid v1, browser)';

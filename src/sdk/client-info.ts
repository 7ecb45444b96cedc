import { createHash } from 'crypto';
import { hostname, networkInterfaces } from 'os';
import { MAX_CLIENT_FIELD_LENGTH, MAX_MAC_ADDRESSES, TOOL_VERSION } from './constants';

import type { ClientInfo } from './core/format';

export type { ClientInfo } from './core/format';

/** This machine's non-internal MAC addresses, lowercase, sorted, without duplicates or the all-zero address. */
export function localMacAddresses(): string[] {
  const macs = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) {
      const mac = nic.mac.toLowerCase();
      if (!nic.internal && mac && mac !== '00:00:00:00:00:00') macs.add(mac);
    }
  }
  return [...macs].sort().slice(0, MAX_MAC_ADDRESSES);
}

/** A stable id of this machine: SHA-256 of the host name and the MAC addresses, 32 hex digits. */
export function localDeviceId(): string {
  const material = ['bid-seal-device-v1', hostname(), ...localMacAddresses()].join('|');
  return createHash('sha256').update(material, 'utf8').digest('hex').slice(0, 32);
}

/** The client block: the given fields win, missing ones are filled from this machine and this tool. */
export function collectClientInfo(overrides: Partial<ClientInfo> = {}): ClientInfo {
  const info: ClientInfo = {
    deviceId: overrides.deviceId ?? localDeviceId(),
    macAddresses: overrides.macAddresses ?? localMacAddresses(),
    toolVersion: overrides.toolVersion ?? TOOL_VERSION,
  };
  if (overrides.documentAuthor !== undefined) info.documentAuthor = overrides.documentAuthor;
  for (const [k, v] of Object.entries(info)) {
    if (typeof v === 'string' && v.length > MAX_CLIENT_FIELD_LENGTH) {
      (info as unknown as Record<string, string>)[k] = v.slice(0, MAX_CLIENT_FIELD_LENGTH);
    }
  }
  return info;
}

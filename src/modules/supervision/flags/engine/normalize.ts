/** Canonical forms for comparing identifiers across bidders. Two spellings of one value must compare equal. */

/** "aa-bb-cc-dd-ee-ff", "AABB.CCDD.EEFF", "aa:bb:cc:dd:ee:ff" → "AA:BB:CC:DD:EE:FF"; null when not a MAC-48. */
export function canonicalMac(mac: string): string | null {
  const hex = mac.replace(/[\s:.-]/g, '').toUpperCase();
  if (!/^[0-9A-F]{12}$/.test(hex)) return null;
  return hex.match(/.{2}/g)!.join(':');
}

/** Device ids (machine codes) are compared trimmed and case-insensitively. */
export function canonicalDeviceId(id: string): string {
  return id.normalize('NFKC').trim().toUpperCase();
}

/** Account numbers: digits and letters only (banks print them with spaces or dashes). */
export function canonicalAccountNo(no: string): string {
  return no.normalize('NFKC').replace(/[\s-]/g, '').toUpperCase();
}

/** Person names (法定代表人, document authors): NFKC (full-width → half-width), no spaces, lower case. */
export function canonicalName(name: string): string {
  return name.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

/** An IPv4-mapped IPv6 address ("::ffff:10.0.0.1") is the IPv4 address. */
export function canonicalIp(ip: string): string {
  const t = ip.trim().toLowerCase();
  return t.startsWith('::ffff:') && t.includes('.') ? t.slice(7) : t;
}

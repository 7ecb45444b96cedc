import { Injectable } from '@nestjs/common';
import { CommonErrorCode, DomainException } from 'src/common/errors/domain.exception';

/**
 * Limits on the two public routes that run scrypt for anyone (login, registration). Per process (each API process
 * counts its own requests); answered before any password is hashed.
 */
export const AUTH_LIMITS = {
  windowMs: 60_000,
  /** Failed logins from one IP address in a window: beyond it, 429 until the window moves on. */
  loginFailuresPerIp: 20,
  /** Registrations from one IP address in a window. */
  registrationsPerIp: 100,
  /** Failed logins of one username answered at once; after that, an exponential back-off per username. */
  usernameFreeFailures: 5,
  usernameBackoffBaseMs: 1_000,
  usernameBackoffMaxMs: 15 * 60_000,
  /** A username's failures are forgotten after this long without one. */
  usernameMemoryMs: 60 * 60_000,
} as const;

export class TooManyRequestsException extends DomainException<CommonErrorCode.TOO_MANY_REQUESTS> {
  constructor(retryAfterMs: number) {
    super(CommonErrorCode.TOO_MANY_REQUESTS, 'Too many attempts: try again later', 429, {
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
    });
  }
}

/** Timestamps of events per key in a sliding window. */
class SlidingWindow {
  private readonly hits = new Map<string, number[]>();
  constructor(private readonly windowMs: number) {}

  count(key: string, now: number): number {
    const list = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length) this.hits.set(key, list);
    else this.hits.delete(key);
    return list.length;
  }

  oldest(key: string): number {
    return this.hits.get(key)?.[0] ?? 0;
  }

  add(key: string, now: number): void {
    const list = this.hits.get(key) ?? [];
    list.push(now);
    this.hits.set(key, list);
    if (this.hits.size > 50_000) for (const k of [...this.hits.keys()]) this.count(k, now);
  }
}

/** Per-IP and per-username throttling and back-off of login and registration (issue: scrypt for anyone). */
@Injectable()
export class AuthThrottle {
  private readonly loginFailuresByIp = new SlidingWindow(AUTH_LIMITS.windowMs);
  private readonly registrationsByIp = new SlidingWindow(AUTH_LIMITS.windowMs);
  private readonly usernames = new Map<string, { failures: number; last: number }>();

  /** Before a login does any work: 429 when the IP or the username is being throttled. */
  assertLoginAllowed(ip: string, username: string, now = Date.now()): void {
    if (this.loginFailuresByIp.count(ip, now) >= AUTH_LIMITS.loginFailuresPerIp) {
      throw new TooManyRequestsException(this.loginFailuresByIp.oldest(ip) + AUTH_LIMITS.windowMs - now);
    }
    const wait = this.usernameWait(username.toLowerCase(), now);
    if (wait > 0) throw new TooManyRequestsException(wait);
  }

  recordLoginFailure(ip: string, username: string, now = Date.now()): void {
    this.loginFailuresByIp.add(ip, now);
    const key = username.toLowerCase();
    const prev = this.usernames.get(key);
    const failures = prev && now - prev.last < AUTH_LIMITS.usernameMemoryMs ? prev.failures + 1 : 1;
    this.usernames.set(key, { failures, last: now });
    if (this.usernames.size > 50_000) {
      for (const [k, v] of this.usernames) if (now - v.last >= AUTH_LIMITS.usernameMemoryMs) this.usernames.delete(k);
    }
  }

  recordLoginSuccess(username: string): void {
    this.usernames.delete(username.toLowerCase());
  }

  /** Registration: at most AUTH_LIMITS.registrationsPerIp per window and IP (each one runs scrypt). */
  assertRegistrationAllowed(ip: string, now = Date.now()): void {
    if (this.registrationsByIp.count(ip, now) >= AUTH_LIMITS.registrationsPerIp) {
      throw new TooManyRequestsException(this.registrationsByIp.oldest(ip) + AUTH_LIMITS.windowMs - now);
    }
    this.registrationsByIp.add(ip, now);
  }

  private usernameWait(key: string, now: number): number {
    const s = this.usernames.get(key);
    if (!s || s.failures < AUTH_LIMITS.usernameFreeFailures || now - s.last >= AUTH_LIMITS.usernameMemoryMs) return 0;
    const backoff = Math.min(AUTH_LIMITS.usernameBackoffBaseMs * 2 ** (s.failures - AUTH_LIMITS.usernameFreeFailures), AUTH_LIMITS.usernameBackoffMaxMs);
    return s.last + backoff - now;
  }
}

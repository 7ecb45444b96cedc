import { type EntityManager } from 'typeorm';
import { TendersRepository } from './tenders.repository';

/** The first (and, for a tender without lots, the only) lot. */
export const DEFAULT_LOT_NO = 1;

/** What a bid or a security needs to know of one lot (标段) of a tender. */
export interface LotTerms {
  lotNo: number;
  /** The lot's own bid security; a lot that sets none: the tender's in proportion to its budget; no lots: the tender's. */
  bidSecurityAmount: string;
  status: 'ACTIVE' | 'FAILED';
  /** How many lots the tender has (0: none, it is one lot). */
  lotCount: number;
}

/**
 * The terms of lot `lotNo` of a tender, or null when the tender has no such lot (see TendersRepository.lotTerms, which
 * holds the statement; this function stays for the modules that call it).
 */
export async function lotTerms(m: EntityManager, tenderId: string, lotNo: number): Promise<LotTerms | null> {
  return new TendersRepository().lotTerms(m, tenderId, lotNo);
}

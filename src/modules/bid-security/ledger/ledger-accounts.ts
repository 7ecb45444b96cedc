/**
 * The chart of accounts of the bid-security ledger (the platform's escrow book).
 * Debit-normal: BANK_ESCROW (the money in the escrow bank account), INTEREST_EXPENSE (interest paid to bidders).
 * Credit-normal: BIDDER_DEPOSIT:<virtualAccountNo> (what is owed to one bidder for one tender),
 * FORFEITED_SECURITY (kept under TBR Arts. 35, 74), SUSPENSE_UNMATCHED (money to unknown sub-accounts).
 */
export const LedgerAccount = {
  BankEscrow: 'BANK_ESCROW',
  InterestExpense: 'INTEREST_EXPENSE',
  ForfeitedSecurity: 'FORFEITED_SECURITY',
  SuspenseUnmatched: 'SUSPENSE_UNMATCHED',
  bidderDeposit: (virtualAccountNo: string) => `BIDDER_DEPOSIT:${virtualAccountNo}`,
} as const;

export const BIDDER_DEPOSIT_PREFIX = 'BIDDER_DEPOSIT:';

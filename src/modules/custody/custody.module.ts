import { Global, Module } from '@nestjs/common';
import { join } from 'path';
import { AppConfig } from 'src/infra/config/app-config';
import { localSecret } from 'src/infra/config/local-secrets';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { ESCROW_CUSTODIANS, EscrowCustodian } from './escrow-custodian';
import { FileEscrowCustodian, PlatformEscrowCustodian } from './local-custodians';
import { ThresholdEscrowService } from './threshold-escrow.service';
import { IdentityKeyService } from './identity-key.service';
import { DrawSeedCustody } from './draw-seed-custody';
import { EscrowCustodySharesRepository, TenderCustodyRepository } from './escrow-custody-shares.repository';

/** The custodian names, in share order (share i goes to custodian i). */
export const CUSTODIAN_NAMES = ['platform', 'supervision-authority', 'notary-office'] as const;

/**
 * Threshold escrow (issue 17): tender secrets split k-of-n among custodians that each hold their share and their
 * signing key themselves. Development custodians: the platform (its share in the database) and two in-process
 * custodians with their own folders under ESCROW_CUSTODIANS_DIR (docs/SECURITY.md says what that leaves open).
 */
@Global()
@Module({
  providers: [
    {
      provide: ESCROW_CUSTODIANS,
      inject: [AppConfig, CryptoService, EscrowCustodySharesRepository],
      useFactory: (config: AppConfig, crypto: CryptoService, shares: EscrowCustodySharesRepository): EscrowCustodian[] => [
        new PlatformEscrowCustodian(
          crypto,
          () => config.sealingMasterKey,
          () => localSecret('custodian-platform-signing', config.dataDir),
          shares,
        ),
        new FileEscrowCustodian('supervision-authority', join(config.escrowCustodiansDir, 'supervision-authority'), crypto),
        new FileEscrowCustodian('notary-office', join(config.escrowCustodiansDir, 'notary-office'), crypto),
      ],
    },
    ThresholdEscrowService,
    IdentityKeyService,
    DrawSeedCustody,
    EscrowCustodySharesRepository,
    TenderCustodyRepository,
  ],
  exports: [ThresholdEscrowService, IdentityKeyService, DrawSeedCustody, ESCROW_CUSTODIANS],
})
export class CustodyModule {}

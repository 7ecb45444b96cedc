import { Global, Logger, Module } from '@nestjs/common';
import { join } from 'path';
import { AppConfig } from 'src/infra/config/app-config';
import { localSecret } from 'src/infra/config/local-secrets';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { ESCROW_CUSTODIANS, EscrowCustodian } from './escrow-custodian';
import { FileEscrowCustodian, PlatformEscrowCustodian } from './local-custodians';
import { ThresholdEscrowService } from './threshold-escrow.service';
import { HttpEscrowCustodian } from './http-escrow-custodian';
import { IdentityKeyService } from './identity-key.service';
import { DrawSeedCustody } from './draw-seed-custody';
import { EscrowCustodySharesRepository, TenderCustodyRepository } from './escrow-custody-shares.repository';
import { BLIND_INDEX_ORACLE, type BlindIndexOracle, FileBlindIndexOracle, RemoteBlindIndexOracle } from './blind-index-oracle';
import { BlindIndexRepository } from './blind-index.repository';
import { BlindIndexAudit } from './blind-index-audit';

/**
 * The custodian that holds the blind-index key (issue 17): the notary office's server when it is remote, else the
 * in-process development oracle in `<ESCROW_CUSTODIANS_DIR>/blind-index-oracle/`.
 */
export const BLIND_INDEX_ORACLE_CUSTODIAN = 'notary-office';

/** The custodian names, in share order (share i goes to custodian i). */
export const CUSTODIAN_NAMES = ['platform', 'supervision-authority', 'notary-office'] as const;

const logger = new Logger('CustodyModule');

/**
 * Threshold escrow (issue 17): tender secrets split k-of-n among custodians that each hold their share and their
 * signing key themselves: the platform (its share in the database), and the supervision authority and the notary
 * office — each in-process with its own folder under ESCROW_CUSTODIANS_DIR (the default), or a remote custodian
 * server named in ESCROW_CUSTODIAN_URLS (HttpEscrowCustodian). docs/SECURITY.md says what each leaves open.
 */
@Global()
@Module({
  providers: [
    {
      provide: ESCROW_CUSTODIANS,
      inject: [AppConfig, CryptoService, EscrowCustodySharesRepository],
      useFactory: async (config: AppConfig, crypto: CryptoService, shares: EscrowCustodySharesRepository): Promise<EscrowCustodian[]> => {
        const remote = config.escrowRemoteCustodians;
        const outside = await Promise.all(
          (['supervision-authority', 'notary-office'] as const).map(async (name) => {
            const r = remote.get(name);
            if (!r) return new FileEscrowCustodian(name, join(config.escrowCustodiansDir, name), crypto);
            const c = new HttpEscrowCustodian(name, r);
            // Not reached at start-up: the platform starts anyway (the threshold may do without it); asked again on use.
            await c.init().catch((e: Error) => logger.warn(`escrow custodian ${name} not reached at start-up: ${e.message}`));
            return c;
          }),
        );
        return [
          new PlatformEscrowCustodian(
            crypto,
            () => config.sealingMasterKey,
            () => localSecret('custodian-platform-signing', config.dataDir),
            shares,
          ),
          ...outside,
        ];
      },
    },
    {
      provide: BLIND_INDEX_ORACLE,
      inject: [AppConfig],
      useFactory: (config: AppConfig): BlindIndexOracle => {
        const r = config.escrowRemoteCustodians.get(BLIND_INDEX_ORACLE_CUSTODIAN);
        if (r) return new RemoteBlindIndexOracle(new HttpEscrowCustodian(BLIND_INDEX_ORACLE_CUSTODIAN, r));
        return new FileBlindIndexOracle('blind-index-oracle', join(config.escrowCustodiansDir, 'blind-index-oracle'));
      },
    },
    ThresholdEscrowService,
    IdentityKeyService,
    BlindIndexRepository,
    BlindIndexAudit,
    DrawSeedCustody,
    EscrowCustodySharesRepository,
    TenderCustodyRepository,
  ],
  exports: [ThresholdEscrowService, IdentityKeyService, DrawSeedCustody, ESCROW_CUSTODIANS, BLIND_INDEX_ORACLE],
})
export class CustodyModule {}

import { Injectable, StreamableFile } from '@nestjs/common';
import { Readable } from 'stream';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { AppConfig } from 'src/infra/config/app-config';
import { StatisticsQueryDto } from '../statistics/dto/statistics-query.dto';
import { StatisticsService } from '../statistics/statistics.service';
import { BID_EXTENSION_URL, buildCompiledRelease, buildReleases, OCDS_VERSION, OcdsNaming, ocidOf, transactionNoOf } from './ocds-builder';
import { OcdsSourceRepository } from './ocds-source.repository';

type Json = Record<string, unknown>;

/** Tenders per batch of the JSON Lines export (a handful of queries each). */
const EXPORT_BATCH = 200;

/**
 * Open data (开放数据) in OCDS 1.1.5 with the bid extension (API.md "Additions"): release packages, record packages
 * with the compiled release, and compiled releases as JSON Lines (what cardinal-rs reads). Built on request from the
 * tables, so a release can never show more than is public at that moment.
 */
@Injectable()
export class OpenDataService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sources: OcdsSourceRepository,
    private readonly statistics: StatisticsService,
    private readonly config: AppConfig,
  ) {}

  private get naming(): OcdsNaming {
    return { prefix: this.config.ocdsPrefix, centreCode: this.config.tradingCentreCode, baseUrl: this.config.publicBaseUrl };
  }

  private packageMeta(uri: string, publishedDate: Date): Json {
    return {
      uri,
      version: OCDS_VERSION,
      extensions: [BID_EXTENSION_URL],
      publisher: { name: this.config.tradingCentreName },
      publishedDate: publishedDate.toISOString(),
    };
  }

  private now(): Promise<Date> {
    return this.sources.now(this.dataSource.manager);
  }

  /** GET /ocds/releases?tenderId= — every release of the tender so far. */
  async releasePackage(tenderId: string): Promise<Json> {
    const [source] = await this.sources.load([tenderId]);
    if (!source) throw new NotFoundException('The tender');
    return {
      ...this.packageMeta(`${this.config.publicBaseUrl}/api/v1/ocds/releases?tenderId=${source.id}`, await this.now()),
      releases: buildReleases(this.naming, source),
    };
  }

  /** GET /ocds/records/{ocid} — the record: every release embedded, and the compiled release. */
  async recordPackage(ocid: string): Promise<Json> {
    const no = transactionNoOf(this.naming, ocid);
    if (no === null) throw new NotFoundException('The contracting process');
    const tenderId = await this.sources.publishedTenderIdByTransactionNo(this.dataSource.manager, no);
    if (!tenderId) throw new NotFoundException('The contracting process');
    const [source] = await this.sources.load([tenderId]);
    if (!source) throw new NotFoundException('The contracting process');
    const base = this.config.publicBaseUrl;
    return {
      ...this.packageMeta(`${base}/api/v1/ocds/records/${ocidOf(this.naming, source.transactionNo)}`, await this.now()),
      packages: [`${base}/api/v1/ocds/releases?tenderId=${source.id}`],
      records: [{ ocid: ocidOf(this.naming, source.transactionNo), releases: buildReleases(this.naming, source), compiledRelease: buildCompiledRelease(this.naming, source) }],
    };
  }

  /**
   * GET /ocds/compiled-releases.jsonl?from=&to= — one compiled release per line for every tender published in the
   * period (北京时间 days, as GET /statistics), in order of publication.
   */
  async compiledReleasesFile(q: StatisticsQueryDto): Promise<StreamableFile> {
    const period = await this.statistics.periodOf(q); // a bad period is a 400 before the stream starts
    return new StreamableFile(Readable.from(this.compiledReleases(period)), {
      type: 'application/x-ndjson; charset=utf-8',
      disposition: `inline; filename="compiled-releases-${period.from}-${period.to}.jsonl"`,
    });
  }

  async *compiledReleases({ from, to }: { from: string; to: string }): AsyncGenerator<string> {
    const ids = await this.sources.publishedTenderIdsBetween(this.dataSource.manager, from, to);
    for (let i = 0; i < ids.length; i += EXPORT_BATCH) {
      const batch = await this.sources.load(ids.slice(i, i + EXPORT_BATCH));
      yield batch.map((s) => `${JSON.stringify(buildCompiledRelease(this.naming, s))}\n`).join('');
    }
  }
}

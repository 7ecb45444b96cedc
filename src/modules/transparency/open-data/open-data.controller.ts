import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Public } from 'src/common/auth/access.decorators';
import { StatisticsQueryDto } from '../statistics/dto/statistics-query.dto';
import { ReleasesQueryDto } from './dto/releases-query.dto';
import { OpenDataService } from './open-data.service';

@ApiTags('transparency (信息公开)')
@Controller('ocds')
export class OpenDataController {
  constructor(private readonly openData: OpenDataService) {}

  @Get('releases')
  @Public()
  @ApiOperation({
    summary: 'OCDS 1.1.5 release package (bid extension) of every release of a tender so far',
    description:
      'One release per event: publication (tender), each amendment (tenderAmendment), the end of the opening (tenderUpdate, with ' +
      'bids), failure (tenderUpdate), each award (award), each contract (contract), cancellation (tenderCancellation). Bids, ' +
      'bidders and their count appear only once the opening record is public (the decryption window has closed). ocid = ' +
      'OCDS_PREFIX + "-" + the transaction code (交易标识码 = TRADING_CENTRE_CODE-transaction number); see docs/OPEN_DATA.md. ' +
      'A draft or unknown tender is 404.',
  })
  releases(@Query() q: ReleasesQueryDto) {
    return this.openData.releasePackage(q.tenderId);
  }

  @Get('records/:ocid')
  @Public()
  @ApiParam({ name: 'ocid', example: 'ocds-xxxxxx-32090001-00000042' })
  @ApiOperation({ summary: 'OCDS 1.1.5 record package: every release embedded and the compiled release; 404 for an ocid not issued here' })
  record(@Param('ocid') ocid: string) {
    return this.openData.recordPackage(ocid);
  }

  @Get('compiled-releases.jsonl')
  @Public()
  @ApiProduces('application/x-ndjson')
  @ApiQuery({ name: 'from', required: false, example: '2026-01-01' })
  @ApiQuery({ name: 'to', required: false, example: '2026-12-31' })
  @ApiOperation({
    summary: 'One OCDS compiled release per line (JSON Lines) for every tender published in the period (北京时间 days; default this year)',
    description: 'The input cardinal-rs reads (`ocdscardinal indicators`). Same sealing rules as the release packages.',
  })
  compiled(@Query() q: StatisticsQueryDto): Promise<StreamableFile> {
    return this.openData.compiledReleasesFile(q);
  }
}

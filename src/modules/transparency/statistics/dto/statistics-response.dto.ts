import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI shapes of GET /statistics (API.md "Additions (v1.1)"); the service returns plain objects of this shape. */
export class CategoryFigureDto {
  @ApiProperty({ example: 'CONSTRUCTION_WORKS' }) category: string;
  @ApiProperty({ example: '工程建设', description: 'Chinese name of the category (extra field)' }) name: string;
  @ApiProperty({ example: 412 }) tenders: number;
  @ApiProperty({ example: '8123456789.00', description: 'decimal string, CNY' }) turnover: string;
}

export class MonthFigureDto {
  @ApiProperty({ example: '2026-03', description: 'YYYY-MM, 北京时间; every month of the period is listed' }) month: string;
  @ApiProperty({ example: 87 }) tenders: number;
  @ApiProperty({ example: '1023456789.00' }) turnover: string;
}

export class PenaltyFiguresDto {
  @ApiProperty({ example: 9, description: 'distinct organisations with a final penalty decided in the period' }) organizations: number;
  @ApiProperty({ example: 6, description: 'distinct experts with a final penalty decided in the period' }) experts: number;
}

export class SupervisionFiguresDto {
  @ApiProperty() openedTenders: number;
  @ApiProperty() openedBids: number;
  @ApiProperty({ nullable: true, type: String, example: '5.42' }) averageBidsPerOpenedTender: string | null;
  @ApiProperty() failedTenders: number;
  @ApiProperty() cancelledTenders: number;
  @ApiProperty({ description: '标段 that failed: alone at the deadline (fewer than 3 bids, TBL Art. 28) or with their tender' }) failedLots: number;
}

export class ClassShareDto {
  @ApiProperty({ example: 'CONSTRUCTION_WORKS' }) category: string;
  @ApiProperty({ example: '工程建设' }) name: string;
  @ApiProperty({ example: 120, description: 'tenders published on the platform in the period (electronic)' }) electronic: number;
  @ApiProperty({ example: 3, description: 'projects registered at the centre but traded offline in the period' }) offline: number;
  @ApiProperty({ nullable: true, type: String, example: '0.9756', description: 'electronic ÷ (electronic + offline), 4 decimals' }) electronicShare: string | null;
}

export class SubClassShareDto extends ClassShareDto {
  @ApiProperty({ example: 'WORKS_SUPERVISION', description: 'sub-class code (GET /classification); UNSPECIFIED for tenders drafted without one' }) subClass: string;
}

export class StatisticsResponseDto {
  @ApiProperty({ example: '2026-01-01' }) from: string;
  @ApiProperty({ example: '2026-12-31' }) to: string;
  @ApiProperty({ example: 1038, description: 'tenders published in the period' }) tenders: number;
  @ApiProperty({ example: 1102, description: '标段 (lots) of the tenders published in the period; a tender without lots counts as one' }) lots: number;
  @ApiProperty({ example: 950, description: 'tenders whose notice of award was issued in the period' }) awarded: number;
  @ApiProperty({ example: '12360000000.00', description: 'Σ award price of the awarded tenders' }) turnover: string;
  @ApiProperty({ example: '13500000000.00', description: 'Σ budget of the tenders published in the period' }) budgetTotal: string;
  @ApiProperty({ nullable: true, type: String, example: '0.0875', description: '(Σ budget − Σ award price) ÷ Σ budget over the awarded tenders, 4 decimals; null when none' })
  savingsRate: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '0.9850',
    description: '电子化交易率: electronic tenders ÷ (electronic tenders + offline projects), 4 decimals; null when neither',
  })
  electronicShare: string | null;
  @ApiPropertyOptional({ example: 16, description: 'projects registered at the centre but traded offline in the period (not in `tenders`)' }) offlineProjects?: number;
  @ApiPropertyOptional({ type: [ClassShareDto], description: 'electronic share per class (交易分类)' }) byClass?: ClassShareDto[];
  @ApiPropertyOptional({ type: [SubClassShareDto], description: 'electronic share per sub-class (房建市政, 交通, 水利, 监理...)' }) bySubClass?: SubClassShareDto[];
  @ApiPropertyOptional({ description: 'what the figures cover: { jurisdiction, sectors }' }) coverage?: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: Number, example: 23.4, description: 'mean calendar days (北京时间) from publication to award, one decimal; null when none' })
  averageCycleDays: number | null;
  @ApiProperty({ type: [CategoryFigureDto] }) byCategory: CategoryFigureDto[];
  @ApiProperty({ type: [MonthFigureDto] }) byMonth: MonthFigureDto[];
  @ApiProperty({ type: PenaltyFiguresDto }) penalties: PenaltyFiguresDto;
  @ApiPropertyOptional({ type: SupervisionFiguresDto, description: 'SUPERVISOR tokens only' }) supervision?: SupervisionFiguresDto;
}

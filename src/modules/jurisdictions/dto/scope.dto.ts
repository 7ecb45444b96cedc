import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, Matches } from 'class-validator';
import { Sector } from 'src/modules/tenders/business-classification';

/** PUT /admin/users/{id}/supervision-scope: the jurisdiction and trades a supervisor (or sector regulator) supervises. */
export class SupervisionScopeDto {
  @ApiProperty({ example: '320981', description: 'GB/T 2260 code of the city (sees every county) or of one county / district (GET /jurisdictions)' })
  @Matches(/^[0-9]{6}$/, { message: 'jurisdiction must be a 6-digit administrative division code (GB/T 2260)' })
  jurisdiction: string;

  @ApiPropertyOptional({
    enum: Sector,
    isArray: true,
    example: ['HOUSING'],
    description: 'The trades of a sector regulator (住建 HOUSING, 交通 TRANSPORT, 水利 WATER, 财政 FINANCE...); omitted or null: every trade',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(8)
  @IsIn(Object.values(Sector), { each: true })
  sectors?: Sector[] | null;
}

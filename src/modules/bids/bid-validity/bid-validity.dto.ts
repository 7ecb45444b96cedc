import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsInstant } from '../../tenders/dto/create-tender.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** POST /tenders/{id}/bid-validity-extensions: the tenderer asks every bidder to extend (TBR Art. 25 ¶2). */
export class RequestBidValidityExtensionDto {
  @ApiProperty({ example: '2027-04-30', description: 'The new last day of the bid validity period (CST), after the current one' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'extendTo must be a day YYYY-MM-DD' })
  extendTo: string;

  @ApiProperty({ example: '评标因投诉处理暂停，需延长投标有效期' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;

  @ApiPropertyOptional({
    example: '2027-03-25T09:00:00Z',
    description: 'The answers are due by this instant; default and latest: the end (24:00 CST) of the current validity period',
  })
  @IsOptional()
  @IsInstant()
  respondBy?: string;
}

/** POST /tenders/{id}/bid-validity-extensions/{extensionId}/response: a bidder accepts or refuses. */
export class RespondBidValidityExtensionDto {
  @ApiProperty({
    enum: ['ACCEPT', 'REFUSE'],
    description: 'ACCEPT: the bid stays, unchanged in substance, and the security must run to the new day. REFUSE: the bid lapses and the security is returned (TBR Art. 25)',
  })
  @IsIn(['ACCEPT', 'REFUSE'])
  decision: 'ACCEPT' | 'REFUSE';
}

import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';

/** POST /agency-authorizations: a procuring entity authorises a tendering agent (招标代理机构). */
export class GrantAgencyDto {
  @ApiProperty({ description: 'The agent organisation (registered as a procuring-side organisation)' })
  @IsUUID()
  agentOrganizationId: string;

  @ApiPropertyOptional({ description: 'One tender of the entity; omitted: every tender of the entity' })
  @IsOptional()
  @IsUUID()
  tenderId?: string;
}

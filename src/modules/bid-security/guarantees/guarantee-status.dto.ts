import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { IsUscc } from 'src/common/http/is-uscc.validator';

/** POST /guarantees/status: the issuer asks what became of one of its guarantees (signed like its notifications). */
export class GuaranteeStatusQueryDto {
  @ApiProperty({ example: '91320900MA1MXXXXX0' })
  @IsUscc()
  issuerUscc: string;

  @ApiProperty({ example: 'BG2026120600123' })
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'guaranteeNo may hold letters, digits, ".", "_" and "-" only' })
  guaranteeNo: string;
}

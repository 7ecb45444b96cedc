import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, IsString, Length, Matches } from 'class-validator';
import { IsMoney } from 'src/common/money/is-money.validator';

/** The bank's payment notification (API.md "Bid security"), signed with X-Bank-Signature over the raw body. */
export class BankNotificationDto {
  @ApiProperty({ description: "The bank's transaction id: a repeated notification with the same txnId changes nothing", example: 'ICBC20261127000123' })
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'txnId may hold letters, digits, ".", "_" and "-" only' })
  txnId: string;

  @ApiProperty({ description: 'The virtual sub-account credited (虚拟子账号)', example: '8801123456789012345' })
  @IsString()
  @Length(1, 40)
  @Matches(/^[0-9A-Za-z-]+$/, { message: 'virtualAccountNo may hold letters, digits and "-" only' })
  virtualAccountNo: string;

  @ApiProperty({ description: 'CNY, a decimal string with at most 2 decimals', example: '200000.00' })
  @IsMoney({ positive: true })
  amount: string;

  @ApiProperty({ description: "The payer's account number", example: '32050177360000001234' })
  @IsString()
  @Length(1, 64)
  payerAccountNo: string;

  @ApiProperty({ description: "The payer's account name", example: '盐城市华通路桥工程有限公司' })
  @IsString()
  @Length(1, 200)
  payerName: string;

  @ApiProperty({ description: "The bank's booking time, ISO-8601", example: '2026-11-27T08:30:00Z' })
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/T.*(Z|[+-]\d{2}:?\d{2})$/, { message: 'paidAt must be an instant with a time and a time zone, e.g. 2026-11-27T08:30:00Z' })
  paidAt: string;
}

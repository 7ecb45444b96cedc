import { ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class HolidayDayDto {
  @ApiProperty({ example: '2027-01-01' })
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'day must be a date YYYY-MM-DD' })
  day: string;

  @ApiProperty({ example: '元旦' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  name: string;
}

/** PUT /admin/holidays/{year}: the State Council's yearly arrangement (国务院办公厅关于XXXX年部分节假日安排的通知). */
export class HolidayYearDto {
  @ApiProperty({ example: '国务院办公厅关于2027年部分节假日安排的通知' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  source: string;

  @ApiProperty({ type: [HolidayDayDto], description: 'Statutory holidays, including the rest days of 放假调休' })
  @IsArray()
  @ArrayMaxSize(60)
  @ValidateNested({ each: true })
  @Type(() => HolidayDayDto)
  holidays: HolidayDayDto[];

  @ApiProperty({ type: [HolidayDayDto], description: 'Weekend days that are working days (调休上班)' })
  @IsArray()
  @ArrayMaxSize(30)
  @ValidateNested({ each: true })
  @Type(() => HolidayDayDto)
  workdays: HolidayDayDto[];
}

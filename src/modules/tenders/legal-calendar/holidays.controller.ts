import { Body, Controller, Get, Param, ParseIntPipe, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ValidationFailedException } from 'src/common/errors/domain.exception';
import { HolidayYearDto } from '../dto/holidays.dto';
import { LegalCalendarService } from './legal-calendar.service';

const YearParam = () => Param('year', new ParseIntPipe({ exceptionFactory: () => new ValidationFailedException([{ field: 'year', errors: ['must be a year such as 2027'] }]) }));

function checkYear(year: number): number {
  if (year < 2000 || year > 2100) throw new ValidationFailedException([{ field: 'year', errors: ['must be between 2000 and 2100'] }]);
  return year;
}

@ApiTags('legal calendar (法定节假日)')
@Controller('admin/holidays')
export class HolidaysController {
  constructor(private readonly calendars: LegalCalendarService) {}

  @Put(':year')
  @Roles(Role.ADMIN)
  @ApiOperation({ summary: "Load a year's statutory holidays and make-up working days (replaces the year); periods count with them at once" })
  put(@YearParam() year: number, @Body() dto: HolidayYearDto, @CurrentActor() actor: Actor) {
    return this.calendars.replaceYear({ year: checkYear(year), source: dto.source, holidays: dto.holidays, workdays: dto.workdays }, actor);
  }

  @Get(':year')
  @Roles(Role.ADMIN, Role.SUPERVISOR, Role.PROCURING_ENTITY)
  @ApiOperation({ summary: "A year's loaded arrangement" })
  get(@YearParam() year: number) {
    return this.calendars.getYear(checkYear(year));
  }
}

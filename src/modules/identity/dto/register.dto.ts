import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsDefined, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { PageQueryDto } from 'src/common/http/page-query.dto';
import { IsUscc } from 'src/common/http/is-uscc.validator';
import { Role } from 'src/common/auth/role.enum';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class BasicAccountDto {
  @ApiProperty({ example: '中国工商银行盐城分行' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  bank: string;

  @ApiProperty({ example: '1109020109000123456' })
  @IsString()
  @Matches(/^\d{8,32}$/, { message: 'accountNo must be 8 to 32 digits' })
  accountNo: string;
}

export class OrganizationDto {
  @ApiProperty({ example: '盐城市路桥建设有限公司' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: '91320900MA1MXXXXX0', description: '统一社会信用代码 (GB 32100-2015)' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  @IsUscc()
  uscc: string;

  @ApiProperty({ example: '张伟' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  legalRepresentative: string;

  @ApiProperty({ type: BasicAccountDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => BasicAccountDto)
  basicAccount: BasicAccountDto;
}

export class CredentialsDto {
  @ApiProperty({ example: 'yancheng-roads' })
  @Transform(trim)
  @IsString()
  @Matches(/^[A-Za-z0-9_.@-]{3,64}$/, { message: 'username must be 3-64 letters, digits or _.@-' })
  username: string;

  @ApiProperty({ minLength: 8 })
  @IsString()
  @MinLength(8)
  @MaxLength(128)
  password: string;
}

export class RegisterDto extends CredentialsDto {
  @ApiProperty({ enum: [Role.BIDDER, Role.PROCURING_ENTITY] })
  @IsIn([Role.BIDDER, Role.PROCURING_ENTITY])
  role: Role.BIDDER | Role.PROCURING_ENTITY;

  @ApiProperty({ type: OrganizationDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => OrganizationDto)
  organization: OrganizationDto;
}

export class LoginDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  username: string;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  password: string;
}

export class CreateUserDto extends CredentialsDto {
  @ApiProperty({ enum: [Role.EXPERT, Role.SUPERVISOR, Role.ADMIN] })
  @IsIn([Role.EXPERT, Role.SUPERVISOR, Role.ADMIN])
  role: Role.EXPERT | Role.SUPERVISOR | Role.ADMIN;
}

/** GET /admin/users?role=&q=&page=&pageSize=: the accounts, for the administrator's console. */
export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: Object.values(Role) })
  @IsOptional()
  @IsIn(Object.values(Role))
  role?: Role;

  @ApiPropertyOptional({ description: 'Part of the username or of the organisation name' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(64)
  q?: string;
}

/** POST /admin/users/{id}/disable: why the account is closed (recorded in the audit chain). */
export class DisableUserDto {
  @ApiProperty({ example: '人员离职，停用账号' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason: string;
}

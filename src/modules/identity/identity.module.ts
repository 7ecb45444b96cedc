import { AgencyController } from './agency/agency.controller';
import { AgencyService } from './agency/agency.service';
import { AgencyAuthorizationsRepository } from './agency/agency-authorizations.repository';
import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { createSecretKey } from 'crypto';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard } from 'src/common/auth/access.guard';
import { UserStatusReader } from 'src/common/auth/user-status.reader';
import { AppConfig } from 'src/infra/config/app-config';
import { IdentityController } from './identity.controller';
import { AuthThrottle } from './auth-throttle';
import { IdentityService } from './identity.service';
import { OrganizationsRepository, UsersRepository } from './organizations.repository';
import { OrganizationEntity } from './organization.entity';
import { UserEntity } from './user.entity';

@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([UserEntity, OrganizationEntity]),
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // A KeyObject built once: given the string, jsonwebtoken tries it as a PEM public key (and throws) and then
        // builds a secret key, on every request (≈ 0.9 ms). Same bytes (UTF-8 of JWT_SECRET): tokens are unchanged.
        secret: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')),
        signOptions: { expiresIn: config.jwtTtlSeconds, algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [IdentityController, AgencyController],
  providers: [
    IdentityService,
    AgencyService,
    UserStatusReader,
    AuthThrottle,
    OrganizationsRepository,
    UsersRepository,
    AgencyAuthorizationsRepository,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  // Other modules read organisations and users through the repositories, never their own SQL on these tables.
  exports: [IdentityService, UserStatusReader, OrganizationsRepository, UsersRepository],
})
export class IdentityModule {}

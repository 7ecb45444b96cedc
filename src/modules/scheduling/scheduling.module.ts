import { DiscoveryModule } from '@nestjs/core';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ScheduledEventEntity } from './scheduled-event.entity';
import { SchedulerService } from './scheduler.service';
import { ScheduledEventsRepository } from './scheduled-events.repository';

@Global()
@Module({
  imports: [DiscoveryModule, TypeOrmModule.forFeature([ScheduledEventEntity])],
  providers: [SchedulerService, ScheduledEventsRepository],
  exports: [SchedulerService],
})
export class SchedulingModule {}

import { type EntityManager } from 'typeorm';

/**
 * A use case (novu's shape): one class per multi-step workflow with one method, `execute(command)`, the command a
 * plain object named `<Name>Command`. A use case that opens its own transaction takes only the command; one that
 * runs as a step of its caller's transaction (a timed event, a domain event, another use case) takes the caller's
 * EntityManager in the command as `manager`, so the whole change commits or rolls back together.
 */
export interface UseCase<C, R> {
  execute(command: C): Promise<R>;
}

/** The part of a command that runs in the caller's transaction. */
export interface InCallerTransaction {
  manager: EntityManager;
}

import 'reflect-metadata';
import { exitOnConfigError, startHttp } from './bootstrap';

/** `npm run start:api`: HTTP only; run workers with start:worker. */
startHttp({ workers: false }).catch(exitOnConfigError);

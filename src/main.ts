import 'reflect-metadata';
import { exitOnConfigError, startHttp } from './bootstrap';

/** `npm start`: the API and the workers in one process. */
startHttp({ workers: true }).catch(exitOnConfigError);

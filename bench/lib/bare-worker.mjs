// The baseline of the install scenario: the smallest possible ESM worker, which only says it is up.
import { parentPort } from 'node:worker_threads';
parentPort.postMessage('ready');

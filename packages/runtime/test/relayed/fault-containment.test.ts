/**
 * The fault-containment suite again, with the connection relay in front of the server (what a standalone base
 * runs): the same assertions must hold whether the base parses and re-sends a request or relays its bytes.
 */
import { useRelay } from '../helpers/harness.js';

useRelay();
await import('../fault-containment.test.js');

/**
 * Follows the runtime's modules into STARTUP and the base's availability (docs/reference/health-semantics.md
 * § masterBizStartUp (STARTUP)): seeds from the modules installed before the actuator existed, then maps
 * every transition onto the SOFAArk event it stands for (the table in `lifecycle.ts`).
 */
import type { BizRuntime, BizTransitionEvent } from '@nodeark/runtime';
import { classify, type Availability, type StartupTracker } from './lifecycle.js';

/**
 * Subscribes to the runtime's transitions; returns the function that unsubscribes. `uninstalling` holds the
 * identities `prepareUninstall` ran for: out of AGG until their stop (or a reinstall) completes.
 */
export function trackModules(
  runtime: BizRuntime,
  startup: StartupTracker,
  availability: Availability,
  uninstalling: Set<string>,
): () => void {
  for (const b of runtime.list()) {
    if (b.bizState === 'resolved') startup.set(b.identity, 'UNKNOWN');
    else if (b.bizState === 'activated' || b.bizState === 'deactivated') startup.set(b.identity, 'UP');
    else if (b.bizState === 'broken') startup.set(b.identity, 'DOWN');
  }
  const onTransition = (e: BizTransitionEvent): void => {
    switch (classify(e)) {
      case 'beforeStartup':
        uninstalling.delete(e.identity);
        startup.silenced.delete(e.identity);
        startup.set(e.identity, 'UNKNOWN');
        break;
      case 'afterStartup':
        startup.set(e.identity, 'UP');
        break;
      case 'startupFailed':
      case 'beforeStop':
        startup.set(e.identity, 'DOWN');
        break;
      case 'afterStop':
        uninstalling.delete(e.identity);
        if (startup.biz.has(e.identity)) startup.biz.set(e.identity, 'DOWN');
        startup.remove(e.identity);
        break;
      default:
        break;
    }
    availability.onTransition(e);
  };
  runtime.on('transition', onTransition);
  return () => {
    runtime.off('transition', onTransition);
  };
}

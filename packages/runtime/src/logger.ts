/**
 * The logger shape every nodeark package accepts (a subset of pino's, so a pino logger fits) and the silent
 * default, declared once here, in the lowest package the others share. Packages that need more (the
 * runtime's `child`, `trace`, `fatal`) extend it.
 */

/** A pino-compatible logger: the four levels nodeark's packages log at. */
export interface LevelLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Logs nothing: the default when a package is given no logger. */
export const silentLogger: LevelLogger = Object.freeze({ info() {}, warn() {}, error() {}, debug() {} });

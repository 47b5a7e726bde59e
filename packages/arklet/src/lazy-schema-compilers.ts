/**
 * fastify's schema compilers (`@fastify/ajv-compiler`, `@fastify/fast-json-stringify-compiler`, and with them
 * Ajv, ajv-formats and fast-json-stringify: about sixty files) loaded on the first route that has a schema
 * instead of when the base's fastify instance is made. The base's own routes have no schemas, so a base
 * whose user adds none never loads them: 35–75 ms of start-up on the 2-core reference machine
 * (docs/benchmarks.md, base start-up).
 *
 * fastify marks compilers given through `schemaController.compilersFactory` as custom, and for a custom
 * validator it skips lower-casing the property names of a `headers` schema. The root schema controller's
 * flags are set back to "not custom" right after the instance is made ({@link restoreDefaultCompilerFlags}),
 * so a user's routes on `base.app` validate exactly as on a plain fastify instance; the compilers behind
 * the lazy factories are fastify's own defaults, built once per instance as fastify builds them.
 */
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

type CompilerFactory = (...args: unknown[]) => unknown;
type SchemaControllerOptions = NonNullable<FastifyServerOptions['schemaController']>;

/** Loads one of fastify's default compiler packages from where fastify itself resolves it. */
function fastifyDependency(name: string): () => CompilerFactory {
  const fromBase = createRequire(import.meta.url);
  // A nested install (fastify/node_modules/@fastify/…) must win over a hoisted copy of another version.
  const fromFastify = createRequire(fromBase.resolve('fastify'));
  return fromFastify(name) as () => CompilerFactory;
}

/** A factory that builds fastify's default compiler factory on its first call, then delegates to it. */
function lazyFactory(name: string): CompilerFactory {
  let real: CompilerFactory | undefined;
  return (...args: unknown[]) => {
    real ??= fastifyDependency(name)();
    return real(...args);
  };
}

/**
 * The `schemaController` option of a fastify instance whose default compilers load on first use. Pass the
 * instance to {@link restoreDefaultCompilerFlags} once it is made.
 */
export function lazySchemaController(): SchemaControllerOptions {
  return {
    compilersFactory: {
      buildValidator: lazyFactory('@fastify/ajv-compiler') as never,
      buildSerializer: lazyFactory('@fastify/fast-json-stringify-compiler') as never,
    },
  };
}

interface CompilerFlags {
  isCustomValidatorCompiler: boolean;
  isCustomSerializerCompiler: boolean;
}

/**
 * Marks the instance's root schema controller as using the default compilers again (see the file's
 * comment). Reaches fastify's `Symbol('fastify.schemaController')`: if a future fastify renames it, nothing
 * breaks beyond `headers` schemas keeping their property names' case, which the base-app schema test in
 * the `nodeark` package notices.
 */
export function restoreDefaultCompilerFlags(app: FastifyInstance): void {
  const key = Object.getOwnPropertySymbols(app).find((s) => s.description === 'fastify.schemaController');
  if (key === undefined) return;
  const controller = (app as unknown as Record<symbol, Partial<CompilerFlags> | undefined>)[key];
  if (controller === undefined || typeof controller.isCustomValidatorCompiler !== 'boolean') return;
  controller.isCustomValidatorCompiler = false;
  controller.isCustomSerializerCompiler = false;
}

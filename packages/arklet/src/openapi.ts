/**
 * An OpenAPI 3.1 description of the Arklet API, built from the registered commands and the TypeBox schemas
 * their inputs are checked with, so the document cannot drift from what the server accepts. Served at
 * `GET /openapi.json` (docs/arklet-api.md § OpenAPI) and committed as `docs/arklet-openapi.json`.
 *
 * Built on request, not at start: the schemas module loads TypeBox (see `schemas.ts`).
 */
import type { TSchema } from '@sinclair/typebox';
import { isPrecompiled, type PrecompiledInput } from './input-validation.js';

/** What the document is built from: each command's id, description, kind and input. */
export interface OpenApiCommand {
  id: string;
  description: string;
  bizOps: boolean;
  input: TSchema | PrecompiledInput | undefined;
}

/** A JSON object (the document and its parts). */
type Json = Record<string, unknown>;

/** The envelope every command answers with (docs/reference/arklet-protocol.md § Envelope). */
const ENVELOPE: Json = {
  type: 'object',
  description:
    'The Arklet envelope. HTTP status is 200 for every command outcome; `code` says what happened. `data` is the command output.',
  properties: {
    code: {
      type: 'string',
      enum: ['SUCCESS', 'FAILED', 'CMD_NOT_FOUND', 'CMD_PROCESS_INTERNAL_ERROR'],
      description: 'SUCCESS/FAILED: the command ran; CMD_NOT_FOUND: no such command; CMD_PROCESS_INTERNAL_ERROR: invalid input or an exception.',
    },
    message: { type: 'string' },
    data: { description: 'The command output (its shape depends on the command).' },
    errorStackTrace: { type: 'string', description: 'With CMD_PROCESS_INTERNAL_ERROR: `<code>: <message>` and the stack.' },
    baseIdentity: { type: 'string', description: 'The base that answered (absent on CMD_NOT_FOUND and internal errors).' },
  },
  required: ['code'],
};

/** A TypeBox schema as plain JSON Schema (its symbol keys, TypeBox's bookkeeping, are not JSON). */
function plain(schema: TSchema): Json {
  return JSON.parse(JSON.stringify(schema)) as Json;
}

/** Resolves a command's input to a JSON Schema; `schemas` maps built-in names to their TypeBox schemas. */
function inputSchema(input: OpenApiCommand['input'], schemas: Readonly<Record<string, TSchema>>): Json {
  if (input === undefined) return { type: 'object', description: 'Any JSON object (the command declares no schema).' };
  if (isPrecompiled(input)) {
    const schema = schemas[input.precompiled];
    return schema ? plain(schema) : { type: 'object' };
  }
  return plain(input as TSchema);
}

/**
 * The OpenAPI 3.1 document of `commands`. `version` is the Arklet package version; `schemas` are the
 * built-in input schemas (`BUILTIN_SCHEMAS` of `@nodeark/arklet/schemas`).
 */
export function buildOpenApi(
  commands: readonly OpenApiCommand[],
  schemas: Readonly<Record<string, TSchema>>,
  version: string,
): Json {
  const paths: Json = {};
  for (const c of commands) {
    const body = inputSchema(c.input, schemas);
    paths[`/${c.id}`] = {
      post: {
        operationId: c.id,
        summary: c.description,
        ...(c.bizOps
          ? {
              description:
                'A biz-ops command: runs under the lock of its bizName:bizVersion; with `async: true` and a `requestId` it runs in the background (read it with queryBizOps).',
            }
          : {}),
        requestBody: {
          required: false,
          description: 'A JSON object; an empty body or `null` counts as `{}`. Members that are `null` count as absent.',
          content: { 'application/json': { schema: body } },
        },
        responses: {
          '200': {
            description: 'The envelope, for every outcome of the command (see `code`).',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ArkletResponse' } } },
          },
          '401': { description: 'A token is configured (nodeark.arklet.auth.token) and the request has none or another one.' },
          '413': { description: 'The body is larger than 1 MiB.' },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Arklet API (nodeark)',
      version,
      description:
        'The Koupleless Arklet command API as nodeark serves it: POST /<command> with a JSON body, answered with the Arklet envelope. ' +
        'Wire-compatible with the Java Arklet; see docs/arklet-api.md and docs/reference/arklet-protocol.md.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: 'http://127.0.0.1:1238', description: 'The default Arklet port of a local base' }],
    paths,
    components: {
      schemas: { ArkletResponse: ENVELOPE },
      securitySchemes: {
        arkletToken: { type: 'http', scheme: 'bearer', description: 'Only when the base sets nodeark.arklet.auth.token.' },
      },
    },
  };
}

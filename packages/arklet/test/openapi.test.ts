/**
 * The Arklet describes itself: GET /openapi.json is an OpenAPI 3.1 document built from the registered
 * commands and the schemas their inputs are checked with. The committed docs/arklet-openapi.json is what a
 * fresh Arklet serves, the document validates against the OpenAPI 3.1 schema, and its paths are the
 * commands `help` lists.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { Validator } from '@seriousme/openapi-schema-validator';
// @ts-expect-error -- a plain .mjs script without types
import { servedOpenApi } from '../../../scripts/gen-arklet-openapi.mjs';
import { NON_POST_MESSAGE } from '@nodeark/arklet';
import { startHarness, type Harness } from './harness.js';

const COMMITTED = new URL('../../../docs/arklet-openapi.json', import.meta.url);

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, { post: { operationId: string; requestBody: { content: { 'application/json': { schema: Record<string, unknown> } } } } }>;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('GET /openapi.json', () => {
  it('docs/arklet-openapi.json is what a fresh Arklet serves (npm run docs:openapi)', async () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(await servedOpenApi());
  });

  it('is a valid OpenAPI 3.1 document whose paths are the commands help lists', async () => {
    h = await startHarness();
    const res = await h.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = JSON.parse(res.text) as OpenApiDoc;
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    // The validator does refuse a document that is not one.
    expect((await new Validator().validate({ openapi: '3.1.0', paths: { '/x': { post: { responses: 'none' } } } })).valid).toBe(false);

    const help = await h.post('help');
    const ids = (help.json.data as Array<{ id: string }>).map((c) => `/${c.id}`);
    expect(Object.keys(doc.paths)).toEqual(ids);
    const install = doc.paths['/installBiz']!.post.requestBody.content['application/json'].schema;
    expect(install).toMatchObject({ type: 'object', properties: { bizUrl: { type: 'string', maxLength: 8192 } } });
  });

  it('includes a custom command with its schema, registered after start', async () => {
    h = await startHarness();
    h.arklet.registerCommand({
      id: 'echo',
      description: 'echo a message',
      input: Type.Object({ msg: Type.String({ maxLength: 100 }) }),
      handle: (input) => ({ code: 'SUCCESS', data: input.msg }),
    });
    const doc = JSON.parse((await h.request('GET', '/openapi.json')).text) as OpenApiDoc;
    expect(doc.paths['/echo']!.post.operationId).toBe('echo');
    expect(doc.paths['/echo']!.post.requestBody.content['application/json'].schema).toEqual({
      type: 'object',
      properties: { msg: { type: 'string', maxLength: 100 } },
      required: ['msg'],
    });
    expect((await new Validator().validate(doc as unknown as Record<string, unknown>)).valid).toBe(true);
  });

  it('needs the token like every other request; other GETs keep the Java answer', async () => {
    h = await startHarness({ authToken: 's3cret' });
    expect((await h.request('GET', '/openapi.json')).status).toBe(401);
    expect((await h.request('GET', '/openapi.json', undefined, { authorization: 'Bearer s3cret' })).status).toBe(200);
    const other = await h.request('GET', '/help', undefined, { authorization: 'Bearer s3cret' });
    expect(other.text).toBe(NON_POST_MESSAGE);
    const post = await h.request('POST', '/openapi.json', '{}', { authorization: 'Bearer s3cret' });
    expect(post.json.code).toBe('CMD_NOT_FOUND');
  });
});

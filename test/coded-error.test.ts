/**
 * One coded-error factory behind every registry (`@nodeark/biz/internal/coded-error`): the runtime's
 * `createError` (server-side registries), the client's `createClientError` and rollout's registry all make
 * errors through it. Pins the behaviour users and docs/errors.md rely on: `name`, `code`, `statusCode`,
 * `%s` filling, a trailing `{ cause }`, call with or without `new`, and the caller as the top stack frame.
 */
import { describe, expect, it } from 'vitest';
import { createCodedError } from '@nodeark/biz/internal/coded-error';
import { createError, ERR_BUNDLE_NOT_FOUND } from '@nodeark/runtime';
import { createClientError, ERR_CLIENT_TIMEOUT } from '@nodeark/client';
import { ERR_ROLLOUT_INVALID_FLEET } from '@nodeark/rollout';

describe('the shared coded-error factory', () => {
  it('runtime registries: NodearkError with code, statusCode (default 500) on the error and the constructor', () => {
    const err = ERR_BUNDLE_NOT_FOUND('file:///nowhere.tgz');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('NodearkError');
    expect(err.code).toBe('NODEARK_ERR_BUNDLE_NOT_FOUND');
    expect(err.statusCode).toBe(404);
    expect(err.message).toBe('Bundle not found: file:///nowhere.tgz');
    expect(ERR_BUNDLE_NOT_FOUND.code).toBe('NODEARK_ERR_BUNDLE_NOT_FOUND');
    expect(ERR_BUNDLE_NOT_FOUND.statusCode).toBe(404);
    const ERR_DEFAULT = createError('NODEARK_ERR_TEST_DEFAULT', 'x');
    expect(ERR_DEFAULT.statusCode).toBe(500);
    expect(new ERR_DEFAULT().statusCode).toBe(500);
    expect(Object.keys(new ERR_DEFAULT()).sort()).toEqual(['code', 'name', 'statusCode']);
  });

  it('client and rollout registries: their own name, no statusCode', () => {
    const err = ERR_CLIENT_TIMEOUT('http://127.0.0.1:1238', 5);
    expect(err.name).toBe('ArkletClientError');
    expect(err.code).toBe('NODEARK_ERR_CLIENT_TIMEOUT');
    expect(err.message).toBe('No answer from http://127.0.0.1:1238 within 5 ms');
    expect('statusCode' in err).toBe(false);
    expect('statusCode' in ERR_CLIENT_TIMEOUT).toBe(false);
    expect(createClientError('NODEARK_ERR_TEST_CLIENT', '%s').code).toBe('NODEARK_ERR_TEST_CLIENT');
    const r = new ERR_ROLLOUT_INVALID_FLEET('fleet.yaml', 'no bases');
    expect(r.name).toBe('RolloutError');
    expect(r.code).toBe('NODEARK_ERR_ROLLOUT_INVALID_FLEET');
    expect(r.message).toBe('fleet.yaml: no bases');
  });

  it('a trailing object whose only key is cause is the cause; anything else fills a %s slot', () => {
    const E = createCodedError('TestError', 'NODEARK_ERR_TEST_CAUSE', 'failed: %s', 502);
    const root = new Error('root');
    const withCause = E('step', { cause: root });
    expect(withCause.message).toBe('failed: step');
    expect(withCause.cause).toBe(root);
    const inner = new Error('inner', { cause: root });
    const withErrorArg = E(inner);
    expect(withErrorArg.cause).toBeUndefined();
    expect(withErrorArg.message.startsWith('failed: Error: inner')).toBe(true);
    const twoKeys = E({ cause: root, other: 1 });
    expect(twoKeys.cause).toBeUndefined();
    expect(E('a', 'surplus').message).toBe('failed: a surplus');
    expect(E().message).toBe('failed: %s');
  });

  it('the caller, not the factory, is the top stack frame', () => {
    const E = createCodedError('TestError', 'NODEARK_ERR_TEST_STACK', 'x');
    const stack = E().stack ?? '';
    expect(stack.split('\n')[0]).toBe('TestError: x');
    expect(stack.split('\n')[1]).toContain('coded-error.test.ts');
  });
});

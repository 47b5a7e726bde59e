/** The mount-rewrite rules, value by value. */
import { describe, expect, it } from 'vitest';
import { mountCookiePath, mountLocation } from '../src/http/mount-rewrite.js';

describe('mountLocation', () => {
  it.each([
    ['/items', '/biz/items'],
    ['/', '/biz/'],
    ['/items?x=1#h', '/biz/items?x=1#h'],
    ['/biz', '/biz'],
    ['/biz/items', '/biz/items'],
    ['/biz?x=1', '/biz?x=1'],
    ['/bizarre', '/biz/bizarre'],
    ['items', 'items'],
    ['../items', '../items'],
    ['', ''],
    ['http://base.test:8080/items', 'http://base.test:8080/biz/items'],
    ['HTTPS://BASE.TEST:8080/items?a=1', 'https://base.test:8080/biz/items?a=1'],
    ['http://base.test:8080/biz/items', 'http://base.test:8080/biz/items'],
    ['http://other.test/items', 'http://other.test/items'],
    ['//base.test:8080/items', '//base.test:8080/biz/items'],
    ['//other.test/items', '//other.test/items'],
    ['mailto:a@b.c', 'mailto:a@b.c'],
  ])('%s → %s', (value, expected) => {
    expect(mountLocation(value, '/biz', 'base.test:8080')).toBe(expected);
  });

  it('leaves absolute URLs alone when the request had no Host', () => {
    expect(mountLocation('http://base.test/items', '/biz', undefined)).toBe('http://base.test/items');
  });
});

describe('mountCookiePath', () => {
  it.each([
    ['a=1; Path=/', 'a=1; Path=/biz'],
    ['a=1; Path=/cart; HttpOnly', 'a=1; Path=/biz/cart; HttpOnly'],
    ['a=1;path=/x', 'a=1;path=/biz/x'],
    ['a=1; Path=/biz/x', 'a=1; Path=/biz/x'],
    ['a=1', 'a=1'],
    ['a=1; Path=relative', 'a=1; Path=relative'],
    ['a=1; Domain=x; Path=/; Secure', 'a=1; Domain=x; Path=/biz; Secure'],
  ])('%s → %s', (value, expected) => {
    expect(mountCookiePath(value, '/biz')).toBe(expected);
  });
});

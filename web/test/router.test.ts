import { describe, expect, it } from 'vitest';
import { appPath, fullPath, matchPath, query, route } from '../src/lib/router';

describe('router', () => {
  it('reads the path below /app', () => {
    expect(appPath('/app/')).toBe('/');
    expect(appPath('/app')).toBe('/');
    expect(appPath('/app/board/')).toBe('/board');
    expect(appPath('/elsewhere')).toBe('/');
    expect(appPath('/applications')).toBe('/');
  });
  it('prefixes app paths once, even those starting with the letters "app"', () => {
    expect(fullPath('/applications')).toBe('/app/applications');
    expect(fullPath('/app/applications')).toBe('/app/applications');
    expect(fullPath('/app')).toBe('/app');
    expect(fullPath('/?welcome=1')).toBe('/app/?welcome=1');
    expect(fullPath('https://x.example/')).toBe('https://x.example/');
  });
  it('matches parameters and decodes them', () => {
    expect(matchPath('/applications/:id', '/applications/12')).toEqual({ id: '12' });
    expect(matchPath('/applications/:id', '/applications')).toBeNull();
    expect(matchPath('/a/:x', '/a/%E2%82%AC')).toEqual({ x: '€' });
    expect(matchPath('/a/:x', '/a/%E2%82')).toBeNull();
  });
  it('prefers the first matching pattern', () => {
    expect(route(['/searches/new', '/searches/:id'], '/searches/new')!.pattern).toBe('/searches/new');
    expect(route(['/searches/new', '/searches/:id'], '/searches/4')!.params).toEqual({ id: '4' });
    expect(route(['/x'], '/y')).toBeNull();
  });
  it('builds query strings without empty values', () => {
    expect(query({ a: 1, b: '', c: null, d: 'x y' })).toBe('?a=1&d=x+y');
    expect(query({})).toBe('');
  });
});

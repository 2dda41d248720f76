import { describe, expect, it } from 'vitest';
import { errorFromBody, fieldError, planLimit, sizeLimit } from '../src/api/errors';

describe('API errors', () => {
  it('reads the envelope with its field and extra members', () => {
    const e = errorFromBody(400, { error: { code: 'invalid_field', field: 'email', message: 'email is not valid', line: 3 } }, 'rid');
    expect(e.code).toBe('invalid_field');
    expect(e.field).toBe('email');
    expect(e.detail).toEqual({ line: 3 });
    expect(e.requestId).toBe('rid');
  });
  it('shows a field error only on the field it names (or its children)', () => {
    const e = errorFromBody(400, { error: { code: 'invalid_field', field: 'searches[1].location', message: 'm' } });
    expect(fieldError(e, 'searches')).toBe('m');
    expect(fieldError(e, 'searches[1].location')).toBe('m');
    expect(fieldError(e, 'search')).toBeUndefined();
    expect(fieldError(null, 'x')).toBeUndefined();
  });
  it('gives the plan limit figures', () => {
    const e = errorFromBody(403, { error: { code: 'plan_limit', message: 'limit', limit: 'resumes', value: 1, used: 1, plan: 'Free Trial' } });
    expect(planLimit(e)).toEqual({ limit: 'resumes', value: 1, used: 1, plan: 'Free Trial' });
    expect(planLimit(errorFromBody(400, {}))).toBeNull();
  });
  it('finds the upload limit in a 413', () => {
    const e = errorFromBody(413, { error: { code: 'payload_too_large', message: 'request body is larger than the limit of 5242880 bytes; send a smaller body' } });
    expect(sizeLimit(e)).toBe(5242880);
    expect(sizeLimit(errorFromBody(413, 'nginx page'))).toBeNull();
    expect(errorFromBody(413, null).message).toMatch(/larger/);
    expect(errorFromBody(502, null).offline).toBe(true);
  });
});

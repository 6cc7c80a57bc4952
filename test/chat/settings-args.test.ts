import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/chat/settings-args.ts';

describe('/greenlight settings: the weekly digest', () => {
  it('takes a day, an hour and a channel mention from either chat', () => {
    expect(parseSettings('digest_day=fri digest_hour=16 digest_channel=<#C0MARKETING|marketing>')).toEqual({
      ok: true,
      settings: { digest_day: 'fri', digest_hour: 16, digest_channel_id: 'C0MARKETING' },
    });
    expect(parseSettings('digest_channel=<#2100000000000000002>')).toEqual({ ok: true, settings: { digest_channel_id: '2100000000000000002' } });
    expect(parseSettings('digest_day=off digest_channel=none')).toEqual({ ok: true, settings: { digest_day: null, digest_channel_id: null } });
  });

  it('refuses what it cannot use, saying what it takes', () => {
    expect(parseSettings('digest_day=friday')).toMatchObject({ ok: false, message: expect.stringContaining('mon, tue') });
    expect(parseSettings('digest_hour=24')).toMatchObject({ ok: false, message: expect.stringContaining('0 to 23') });
    expect(parseSettings('digest_hour=9am')).toMatchObject({ ok: false });
    expect(parseSettings('digest_channel=marketing')).toMatchObject({ ok: false, message: expect.stringContaining('#marketing') });
  });
});

import type { WorkspaceSettings } from '../db/workspaces.ts';
import { isDigestDay } from '../domain/digest-schedule.ts';

export const SETTINGS_HELP =
  'Change with `key=value`: `approvals_channel=#channel`, `approver_group=@group` (or `none`), `approvals_required=0..10`, `self_approval=on|off`, `zone=Europe/Berlin`, `reminder_minutes=120`, `digest_day=mon..sun|off`, `digest_hour=0..23` (in the zone), `digest_channel=#channel|none`, `alt_text=required|optional` (every attached image needs alt text).';

/**
 * `key=value` pairs from `/greenlight settings`, in either chat. Channel and group mentions arrive
 * escaped as `<#C123|name>` / `<!subteam^S123|@name>` (Slack) or `<#123>` / `<@&123>` (Discord).
 */
export function parseSettings(text: string): { ok: true; settings: WorkspaceSettings } | { ok: false; message: string } {
  const settings: WorkspaceSettings = {};
  for (const pair of text.split(/\s+/).filter(Boolean)) {
    const [key, ...rest] = pair.split('=');
    const value = rest.join('=');
    if (!key || value === '') return { ok: false, message: `"${pair}" is not key=value.` };
    switch (key) {
      case 'approvals_channel': {
        const id = channelId(value);
        if (!id) return { ok: false, message: 'approvals_channel takes a channel mention like #approvals.' };
        settings.approvals_channel_id = id;
        break;
      }
      case 'digest_day':
        if (value !== 'off' && !isDigestDay(value)) return { ok: false, message: 'digest_day takes mon, tue, wed, thu, fri, sat, sun or off.' };
        settings.digest_day = value === 'off' ? null : value;
        break;
      case 'digest_hour':
        if (!/^\d{1,2}$/.test(value) || Number(value) > 23) return { ok: false, message: 'digest_hour takes an hour from 0 to 23 (in the workspace zone).' };
        settings.digest_hour = Number(value);
        break;
      case 'digest_channel': {
        const id = value === 'none' ? null : channelId(value);
        if (id === undefined) return { ok: false, message: 'digest_channel takes a channel mention like #marketing, or none (the approvals channel).' };
        settings.digest_channel_id = id;
        break;
      }
      case 'approver_group': {
        if (value === 'none') settings.approver_group_id = null;
        else {
          const id =
            /^<!subteam\^([A-Z0-9]+)(\|[^>]*)?>$/i.exec(value)?.[1] ?? /^<@&(\d+)>$/.exec(value)?.[1] ?? (/^S[A-Z0-9]+$/.test(value) ? value : undefined);
          if (!id) return { ok: false, message: 'approver_group takes a user group (Slack) or role (Discord) mention, or none.' };
          settings.approver_group_id = id;
        }
        break;
      }
      case 'approvals_required':
        if (!/^\d+$/.test(value)) return { ok: false, message: 'approvals_required takes a whole number from 0 to 10.' };
        settings.approvals_required = Number(value);
        break;
      case 'self_approval':
        if (!['on', 'off'].includes(value)) return { ok: false, message: 'self_approval takes on or off.' };
        settings.allow_self_approval = value === 'on';
        break;
      case 'alt_text':
        if (!['required', 'optional'].includes(value)) return { ok: false, message: 'alt_text takes required or optional.' };
        settings.require_alt_text = value === 'required';
        break;
      case 'zone':
        settings.default_zone = value;
        break;
      case 'reminder_minutes':
        if (!/^\d+$/.test(value)) return { ok: false, message: 'reminder_minutes takes a whole number of minutes.' };
        settings.reminder_after_minutes = Number(value);
        break;
      default:
        return { ok: false, message: `Unknown setting "${key}".` };
    }
  }
  return { ok: true, settings };
}

/** A channel mention (`<#C123|name>` in Slack, `<#123>` in Discord) or a bare channel id. */
function channelId(value: string): string | undefined {
  return /^<#([A-Z0-9]+)(\|[^>]*)?>$/i.exec(value)?.[1] ?? (/^[CG][A-Z0-9]+$/.test(value) || /^\d+$/.test(value) ? value : undefined);
}

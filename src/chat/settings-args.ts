import type { WorkspaceSettings } from '../db/workspaces.ts';

export const SETTINGS_HELP =
  'Change with `key=value`: `approvals_channel=#channel`, `approver_group=@group` (or `none`), `approvals_required=0..10`, `self_approval=on|off`, `zone=Europe/Berlin`, `reminder_minutes=120`.';

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
        const id = /^<#([A-Z0-9]+)(\|[^>]*)?>$/i.exec(value)?.[1] ?? (/^[CG][A-Z0-9]+$/.test(value) || /^\d+$/.test(value) ? value : undefined);
        if (!id) return { ok: false, message: 'approvals_channel takes a channel mention like #approvals.' };
        settings.approvals_channel_id = id;
        break;
      }
      case 'approver_group': {
        if (value === 'none') settings.approver_group_id = null;
        else {
          const id = /^<!subteam\^([A-Z0-9]+)(\|[^>]*)?>$/i.exec(value)?.[1] ?? /^<@&(\d+)>$/.exec(value)?.[1] ?? (/^S[A-Z0-9]+$/.test(value) ? value : undefined);
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

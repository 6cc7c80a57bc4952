import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { specValidatorFor } from '../helpers/spec-validator.ts';
import { specPath } from '../helpers/specs.ts';

/** The two manifests people paste into Slack and Discord, checked against each platform's own published schema. */
describe("manifests against the platforms' schemas", () => {
  it('manifests/discord-commands.json is a valid body for PUT /applications/{id}/commands (discord.openapi.json)', () => {
    const discord = specValidatorFor(specPath('discord.openapi.json'));
    const schema = discord.operationSchema('/applications/{application_id}/commands', 'put');
    const commands = JSON.parse(readFileSync('manifests/discord-commands.json', 'utf8')) as Record<string, unknown>[];
    expect(discord.validate(schema, commands)).toEqual([]);
    // The check can fail: a command without a description, an option of an unknown type, a name over 32 characters.
    expect(discord.validate(schema, [{ ...commands[0], options: [{ type: 99, name: 'x', description: 'x' }] }]).length).toBeGreaterThan(0);
    expect(discord.validate(schema, [{ ...commands[0], name: 'n'.repeat(33) }]).join()).toMatch(/name/);
  });

  it("manifests/slack.yaml is a valid app manifest (Slack's manifest schema 1.0.0, test/fixtures/specs)", () => {
    const slack = specValidatorFor('test/fixtures/specs/slack-manifest.schema.1.0.0.json');
    const manifest = parse(readFileSync('manifests/slack.yaml', 'utf8')) as Record<string, unknown>;
    expect(slack.validate('#', manifest)).toEqual([]);
    // The check can fail: a field Slack does not know, a slash command without its description.
    expect(slack.validate('#', { ...manifest, bogus: true })).toEqual(['/: must NOT have additional properties (bogus)']);
    const features = manifest.features as { slash_commands: Record<string, unknown>[] };
    const { description: _d, ...withoutDescription } = features.slash_commands[0]!;
    expect(slack.validate('#', { ...manifest, features: { ...features, slash_commands: [withoutDescription] } }).join()).toMatch(/description/);
  });
});

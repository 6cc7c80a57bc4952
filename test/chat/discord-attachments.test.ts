import { describe, expect, it } from 'vitest';
import { applyAltLines, altLines, attachmentFile, commandFiles, targetMessage, uploadedFiles } from '../../src/chat/discord/attachments.ts';
import type { DiscordInteraction } from '../../src/chat/discord/types.ts';

/** Attachment objects as Discord sends them in `resolved.attachments` (discord-api-docs, message#attachment-object). */
const cat = {
  id: '1300000000000000001',
  filename: 'cat.png',
  size: 48213,
  url: 'https://cdn.discordapp.com/ephemeral-attachments/1/1300000000000000001/cat.png?ex=68f1a2b3&is=68f05133&hm=ab12&',
  proxy_url: 'https://media.discordapp.net/ephemeral-attachments/1/1300000000000000001/cat.png?ex=68f1a2b3&is=68f05133&hm=ab12&',
  content_type: 'image/png',
  width: 1200,
  height: 800,
  ephemeral: true,
  description: 'A cat asleep on a keyboard',
};
const dog = { ...cat, id: '1300000000000000002', filename: 'dog.jpg', content_type: 'image/jpeg', description: undefined, width: 640, height: 640 };

function command(options: { name: string; type: number; value: string }[], attachments: Record<string, unknown>): DiscordInteraction {
  return { id: '1', application_id: '2', type: 2, token: 't', data: { name: 'post', type: 1, options, resolved: { attachments } } };
}

describe('Discord attachments as compose files', () => {
  it('reads /post ATTACHMENT options in option order, with the description as alt text', () => {
    const interaction = command(
      [
        { name: 'text', type: 3, value: 'Hello' },
        { name: 'image2', type: 11, value: dog.id },
        { name: 'image1', type: 11, value: cat.id },
      ],
      { [cat.id]: cat, [dog.id]: dog },
    );
    expect(commandFiles(interaction)).toEqual([
      { source: { chat: 'discord', url: dog.url }, filename: 'dog.jpg', contentType: 'image/jpeg', bytes: 48213, width: 640, height: 640 },
      {
        source: { chat: 'discord', url: cat.url },
        filename: 'cat.png',
        contentType: 'image/png',
        bytes: 48213,
        width: 1200,
        height: 800,
        alt: 'A cat asleep on a keyboard',
      },
    ]);
  });

  it('ignores an option whose id is not resolved, and an attachment without a url or size', () => {
    expect(commandFiles(command([{ name: 'image1', type: 11, value: '999' }], { [cat.id]: cat }))).toEqual([]);
    expect(attachmentFile({ ...cat, url: undefined })).toBeUndefined();
    expect(attachmentFile({ ...cat, size: '12' })).toBeUndefined();
    expect(attachmentFile({ ...cat, url: 'javascript:alert(1)' })).toBeUndefined();
    // An inherited key is not an attachment.
    expect(commandFiles(command([{ name: 'image1', type: 11, value: 'toString' }], {}))).toEqual([]);
  });

  it('reads the target message of a message command: content and attachments', () => {
    const interaction: DiscordInteraction = {
      id: '1',
      application_id: '2',
      type: 2,
      token: 't',
      data: {
        name: 'Draft a post',
        type: 3,
        target_id: '555',
        resolved: { messages: { '555': { id: '555', content: 'Launch day! 🚀', attachments: [cat, { ...dog, ephemeral: undefined }], author: { id: '9' } } } },
      },
    };
    const target = targetMessage(interaction);
    expect(target?.text).toBe('Launch day! 🚀');
    expect(target?.files.map((f) => [f.filename, f.alt])).toEqual([
      ['cat.png', 'A cat asleep on a keyboard'],
      ['dog.jpg', undefined],
    ]);
    expect(targetMessage({ ...interaction, data: { ...interaction.data, target_id: '556' } })).toBeUndefined();
  });

  it('reads the files of a File Upload component in a modal submit', () => {
    const interaction: DiscordInteraction = {
      id: '1',
      application_id: '2',
      type: 5,
      token: 't',
      data: {
        custom_id: 'compose_images:x',
        components: [
          { type: 18, id: 1, component: { type: 19, id: 2, custom_id: 'files', values: [cat.id, dog.id] } },
          { type: 18, id: 3, component: { type: 4, id: 4, custom_id: 'alt', value: '' } },
        ],
        resolved: { attachments: { [cat.id]: cat, [dog.id]: dog } },
      },
    };
    expect(uploadedFiles(interaction).map((f) => f.filename)).toEqual(['cat.png', 'dog.jpg']);
  });

  it('alt text lines: pre-filled with the names, read back by position, the name prefix optional', () => {
    const files = commandFiles(
      command(
        [
          { name: 'image1', type: 11, value: cat.id },
          { name: 'image2', type: 11, value: dog.id },
        ],
        { [cat.id]: cat, [dog.id]: dog },
      ),
    );
    expect(altLines(files)).toBe('cat.png: A cat asleep on a keyboard\ndog.jpg:');
    const applied = applyAltLines(files, 'cat.png: A grey cat\nA dog: looking up\n\n');
    expect(applied.files.map((f) => f.alt)).toEqual(['A grey cat', 'A dog: looking up']);
    expect(applied.extra).toBe(0);
    // A blank line clears it; a line too many is reported; an alt text over 1000 characters is named.
    const again = applyAltLines(files, `\n${'x'.repeat(1001)}\nstray`);
    expect(again.files.map((f) => f.alt?.length)).toEqual([undefined, 1000]);
    expect(again).toMatchObject({ extra: 1, tooLong: 'dog.jpg' });
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('MEDIA_STORE configuration', () => {
  it('keeps media in PostgreSQL by default', () => {
    expect(loadConfig({}).media.store).toEqual({ kind: 'postgres' });
  });

  it('takes an S3-compatible store with its endpoint, path style (default with an endpoint) and keys', () => {
    expect(
      loadConfig({
        MEDIA_STORE: 's3',
        S3_BUCKET: 'team-media',
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        S3_ACCESS_KEY_ID: 'key-id',
        S3_SECRET_ACCESS_KEY: 'key-secret',
      }).media.store,
    ).toEqual({
      kind: 's3',
      bucket: 'team-media',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'key-id', secretAccessKey: 'key-secret' },
    });
  });

  it("on AWS: virtual-host style and the SDK's own credentials unless told otherwise", () => {
    expect(loadConfig({ MEDIA_STORE: 's3', S3_BUCKET: 'team-media', S3_REGION: 'eu-central-1' }).media.store).toEqual({
      kind: 's3',
      bucket: 'team-media',
      region: 'eu-central-1',
      endpoint: undefined,
      forcePathStyle: false,
      credentials: undefined,
    });
  });

  it('says what is wrong, naming the setting', () => {
    expect(problems({ MEDIA_STORE: 'minio' })).toEqual(['MEDIA_STORE: expected postgres (the default) or s3']);
    expect(problems({ MEDIA_STORE: 's3' })).toEqual([
      'S3_BUCKET: required with MEDIA_STORE=s3 (the bucket media files are stored in; Greenlight does not create it)',
    ]);
    expect(problems({ MEDIA_STORE: 's3', S3_BUCKET: 'Team_Media' })[0]).toContain('S3_BUCKET: "Team_Media" is not a bucket name');
    expect(problems({ MEDIA_STORE: 's3', S3_BUCKET: 'team-media', S3_ACCESS_KEY_ID: 'key-id' })[0]).toContain(
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both',
    );
    expect(problems({ MEDIA_STORE: 's3', S3_BUCKET: 'team-media', S3_ENDPOINT: 'minio:9000' })[0]).toMatch(/^S3_ENDPOINT: expected the store's URL/);
    expect(problems({ MEDIA_STORE: 's3', S3_BUCKET: 'team-media', S3_FORCE_PATH_STYLE: 'yes' })).toEqual(['S3_FORCE_PATH_STYLE: expected true or false']);
    expect(problems({ S3_BUCKET: 'team-media' })[0]).toContain('S3_BUCKET: set, but MEDIA_STORE is postgres');
  });
});

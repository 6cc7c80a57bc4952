import { sql, type Kysely } from 'kysely';

/**
 * Issue 15: videos in the media store. `video` holds what ffprobe read from a video file (container,
 * codecs, duration in ms, frame rate, sound; src/domain/video-facts.ts), null for images; width and
 * height stay in their columns (as shown, rotation applied). A video's poster frame is a JPEG copy
 * beside it (`variant_of` the video), as converted images are. Not breaking: a new nullable column.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE media ADD COLUMN video jsonb`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE media DROP COLUMN IF EXISTS video`.execute(db);
}

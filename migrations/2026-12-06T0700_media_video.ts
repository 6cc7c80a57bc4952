import { sql, type Kysely } from 'kysely';

/**
 * Issue 15: videos in the media store. `video` holds what ffprobe read from a video file (container,
 * codecs, duration in ms, frame rate, sound; src/domain/video-facts.ts), null for images; width and
 * height stay in their columns (as shown, rotation applied). A video's poster frame is a JPEG copy
 * beside it (`variant_of` the video), as converted images are.
 *
 * `delivery_uploads` keeps how far one delivery's video upload got on its network (X's media id and next
 * segment, LinkedIn's upload token and ETags, Instagram's container id), so an attempt after a worker was
 * killed resumes or looks up instead of uploading again (src/db/delivery-uploads.ts). It goes with its
 * delivery. Not breaking: a new nullable column and a new table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE media ADD COLUMN video jsonb`.execute(db);
  await sql`
    CREATE TABLE delivery_uploads (
      delivery_id uuid PRIMARY KEY REFERENCES deliveries(id) ON DELETE CASCADE,
      state jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS delivery_uploads`.execute(db);
  await sql`ALTER TABLE media DROP COLUMN IF EXISTS video`.execute(db);
}

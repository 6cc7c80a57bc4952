import { sql, type Kysely } from 'kysely';

/**
 * Greenlight's own media store (issue 14), in PostgreSQL so that every replica shares it and backups
 * need nothing new. `media` is one file: its workspace, the post it belongs to (null until the post
 * exists; removed with the post), what probing found (type, bytes, pixels, animation) and its sha256
 * and alt text, which the content hash covers. `state` is `preparing` while the bytes are copied in and
 * `ready` once every chunk is stored and probed. `variant_of` marks a converted copy (PNG to JPEG for
 * Instagram) of another file; a file whose copy failed is deleted, and one left
 * `preparing` by a crash is removed by the retention job (src/db/media-store.ts).
 *
 * `media_chunks` holds the bytes in 256 KiB rows, written and read one at a time, so a file is never
 * whole in memory. Storage EXTERNAL: images are already compressed, so PostgreSQL does not try again.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('media')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('post_id', 'uuid', (c) => c.references('posts.id').onDelete('cascade'))
    // A converted copy (a PNG as JPEG for Instagram) names its original and goes with it.
    .addColumn('variant_of', 'uuid', (c) => c.references('media.id').onDelete('cascade'))
    .addColumn('position', 'integer')
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull().defaultTo('application/octet-stream'))
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('sha256', 'text')
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('animated', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('alt', 'text')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('preparing').check(sql`state IN ('preparing', 'ready')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ready_at', 'timestamptz')
    .addCheckConstraint('media_ready_has_hash', sql`state = 'preparing' OR (sha256 IS NOT NULL AND ready_at IS NOT NULL)`)
    .execute();
  await db.schema.createIndex('media_workspace_idx').on('media').column('workspace_id').execute();
  await db.schema.createIndex('media_variant_idx').on('media').column('variant_of').where(sql.ref('variant_of'), 'is not', null).execute();
  await db.schema.createIndex('media_post_idx').on('media').columns(['post_id', 'position']).execute();
  await db.schema.createIndex('media_preparing_idx').on('media').column('created_at').where(sql.ref('state'), '=', 'preparing').execute();

  await db.schema
    .createTable('media_chunks')
    .addColumn('media_id', 'uuid', (c) => c.notNull().references('media.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull().check(sql`seq >= 0`))
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('media_chunks_pkey', ['media_id', 'seq'])
    .execute();
  await sql`ALTER TABLE media_chunks ALTER COLUMN data SET STORAGE EXTERNAL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('media_chunks').ifExists().execute();
  await db.schema.dropTable('media').ifExists().execute();
}

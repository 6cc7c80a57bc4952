import { signMediaUrl } from '../../crypto/media-url.ts';
import { loadDeliveryUpload, saveDeliveryUpload } from '../../db/delivery-uploads.ts';
import { NETWORK_LABELS, type Network } from '../../domain/networks.ts';
import { checkMediaFor } from '../../domain/video-rules.ts';
import { NetworkError, type VideoUpload } from '../../networks/adapter.ts';
import type { WorkflowDeps } from '../deps.ts';
import { FETCHES_FASTSTART, faststartFor, mediaFileOf, posterOf } from '../media-intake.ts';
import { mediaLimits } from '../media-copy.ts';
import { videoSourceOf } from '../video-source.ts';
import type { DeliveryContext } from './load-delivery.ts';

/** Networks that fetch a video from Greenlight's signed link instead of taking an upload. */
const PULLS_VIDEO: ReadonlySet<Network> = new Set(['instagram', 'threads', 'facebook']);
/** A pull network fetches while it processes: the link must outlive the processing wait of several attempts. */
const VIDEO_URL_TTL_SECONDS = 6 * 3600;

/**
 * The video one delivery publishes (issue 15), or undefined for a post without one. The network's video
 * rules are checked again at publish time (a refusal is permanent, in the form's words); the file streams
 * from the store, pull networks get a signed link (and the poster frame's, as a cover), and the upload's
 * checkpoint is kept per delivery in the database so a killed worker's next attempt resumes.
 */
export async function videoFor(deps: WorkflowDeps, context: DeliveryContext, now: Date): Promise<VideoUpload | undefined> {
  const network = context.delivery.network;
  const video = context.content.files.find((f) => f.video);
  if (!video || network === 'webhook') return undefined;
  const refuse = (message: string) => new NetworkError({ network, errorClass: 'permanent', message, networkMessage: message, networkCode: 'media_refused' });
  const instagram = context.post.instagram_kind;
  const problem = checkMediaFor(network, context.content.files.map(mediaFileOf), { instagram }).problems[0];
  if (problem) throw refuse(problem.message);
  let urls: { url?: string; posterUrl?: string } = {};
  if (PULLS_VIDEO.has(network)) {
    const secret = deps.stateSecret;
    if (!secret) throw refuse(`${NETWORK_LABELS[network]} fetches videos from Greenlight by a signed link, and this server has no STATE_SECRET to sign one.`);
    const poster = await posterOf(deps, video);
    const sign = (id: string) => signMediaUrl(deps.publicUrl, id, secret, now, VIDEO_URL_TTL_SECONDS);
    // Instagram and Threads fetch the faststart copy (made at intake; made here if an edit added them since).
    const fetched = FETCHES_FASTSTART.has(network) ? await faststartFor({ db: deps.db, media: mediaLimits(deps) }, video) : { ok: true as const, media: video };
    if (!fetched.ok) throw refuse(fetched.message);
    urls = { url: sign(fetched.media.id), ...(poster ? { posterUrl: sign(poster.id) } : {}) };
  }
  const deliveryId = context.delivery.id;
  return {
    file: videoSourceOf(deps, video, urls),
    checkpoint: {
      load: () => loadDeliveryUpload(deps.db, deliveryId),
      save: (state) => saveDeliveryUpload(deps.db, deliveryId, state),
    },
    ...(network === 'instagram' ? { instagram } : {}),
  };
}

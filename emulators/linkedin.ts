import { createHash, randomBytes } from 'node:crypto';
import { linkedInVideoFlow } from './linkedin-video.ts';
import {
  applyTimeouts,
  faultQueue,
  imageType,
  isObject,
  parseJson,
  pngReply,
  randomToken,
  readParams,
  serveEmulator,
  tinyPng,
  type EmuRequest,
  type Fault,
  type Reply,
  type RequestRecord,
} from './common.ts';
import { engagementBook } from './engagement.ts';

/**
 * LinkedIn emulator on 127.0.0.1: versioned Posts API (POST /rest/posts → 201 + x-restli-id, finder
 * q=author, get by URN), Images API (initializeUpload + PUT upload), OAuth accessToken (code and refresh
 * grants), /v2/userinfo. Error bodies `{status, serviceErrorCode, code, message}`; 429 without any reset
 * header (as LinkedIn); duplicate commentary → 422 DUPLICATE_POST; commentary rendered in "little" text
 * format (truncated at the first unescaped reserved character, as LinkedIn does). PNG at /media/test.png.
 * Metrics from seeded synthetic engagement: batch GET /rest/socialActions?ids=List(…) (likes, comments) and
 * GET /rest/organizationalEntityShareStatistics (an organization's posts: impressions, likes, comments, shares).
 */

export type { Fault, FaultKind } from './common.ts';
export interface LinkedInEmulatorOptions {
  latencyMs?: number;
  /** OAuth client accepted by the token endpoint (default client-1 / secret-1). */
  clientId?: string;
  clientSecret?: string;
  /** Posts per author per UTC day before 429 (default 150). */
  dailyPostLimit?: number;
  /** Seed of the synthetic engagement the metrics endpoints report (test/emulators/engagement.ts). */
  metricsSeed?: string;
}
export interface LinkedInPostRecord {
  id: string;
  author: string;
  commentary: string;
  /** The commentary as LinkedIn shows it (little format rendered). */
  text: string;
  visibility: string;
  lifecycleState: string;
  imageUrns: string[];
  /** The altText given with each image of content.media / content.multiImage (undefined: none). */
  altTexts?: (string | undefined)[];
  /** `thumbnail`: an image URN uploaded through the Images API (a link card's picture). */
  article: { source: string; title: string; description?: string; thumbnail?: string } | undefined;
  version: string;
  createdAt: Date;
}
export interface LinkedInCommentRecord {
  /** urn:li:comment:(<post urn>,<id>) */
  urn: string;
  object: string;
  actor: string;
  text: string;
}
export interface LinkedInImageRecord {
  urn: string;
  owner: string;
  status: 'WAITING_UPLOAD' | 'AVAILABLE';
  size: number;
  contentType: string;
  /** sha256 of the bytes received. */
  sha256?: string;
}
export interface LinkedInTokens {
  accessToken: string;
  refreshToken: string;
  author: string;
}

interface TokenState {
  author: string;
  revoked: boolean;
  expired: boolean;
}

const VERSIONED = /^\/rest\//;
const POSTING_ROLES = ['ADMINISTRATOR', 'DIRECT_SPONSORED_CONTENT_POSTER', 'CONTENT_ADMINISTRATOR'];
const apiError = (status: number, message: string, extra: Record<string, unknown> = {}): Reply => ({ status, body: { status, message, ...extra } });
const inputError = (status: number, message: string, fieldPath: string, code: string): Reply =>
  apiError(status, message, {
    errorDetailType: 'com.linkedin.common.error.BadRequest',
    errorDetails: { inputErrors: [{ description: message, input: { inputPath: { fieldPath } }, code }] },
  });
const invalidToken = () => apiError(401, 'Invalid access token', { serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN' });
const revokedToken = () =>
  apiError(401, 'The token used in the request has been revoked by the user', { serviceErrorCode: 65601, code: 'REVOKED_ACCESS_TOKEN' });
const expiredToken = () => apiError(401, 'The token used in the request has expired', { serviceErrorCode: 65602, code: 'EXPIRED_ACCESS_TOKEN' });

export async function startLinkedInEmulator(options: LinkedInEmulatorOptions = {}) {
  let seq = 7_300_000_000_000_000_000n;
  const nextId = () => String(++seq);
  const tokens = new Map<string, TokenState>();
  const refreshes = new Map<string, { author: string; expiresAt: number }>();
  const codes = new Map<string, { author: string; redirectUri?: string }>();
  const faults = faultQueue('POST /rest/posts');
  const png = tinyPng();
  const clientId = options.clientId ?? 'client-1';
  const clientSecret = options.clientSecret ?? 'secret-1';

  const emu = {
    url: '',
    imageUrl: '',
    latencyMs: options.latencyMs ?? 0,
    dailyPostLimit: options.dailyPostLimit ?? 150,
    posts: [] as LinkedInPostRecord[],
    images: [] as LinkedInImageRecord[],
    /** Comments made through POST /rest/socialActions/{post urn}/comments. */
    comments: [] as LinkedInCommentRecord[],
    /** The Videos API (emulators/linkedin-video.ts): its uploads and its script. */
    video: linkedInVideoFlow((): string => emu.url, nextId),
    /** What the metrics endpoints report per post: seeded, or pinned by a test. */
    engagement: engagementBook(options.metricsSeed),
    requests: [] as RequestRecord[],
    /** Every token and code handed out (tests scan logs for them). */
    issued: [] as string[],
    /** A token that may post as `author` (a member or an organization URN). */
    issueToken(author = `urn:li:person:${randomBytes(5).toString('hex')}`): LinkedInTokens {
      const t = { accessToken: randomToken(), refreshToken: randomToken(), author };
      emu.issued.push(t.accessToken, t.refreshToken);
      tokens.set(t.accessToken, { author, revoked: false, expired: false });
      refreshes.set(t.refreshToken, { author, expiresAt: Date.now() + 365 * 86_400_000 });
      return t;
    },
    issueCode(author: string, opts: { redirectUri?: string } = {}): string {
      const code = randomToken();
      emu.issued.push(code);
      codes.set(code, { author, redirectUri: opts.redirectUri });
      return code;
    },
    revokeToken(t: string) {
      const state = tokens.get(t);
      if (state) state.revoked = true;
      refreshes.delete(t);
    },
    expireToken(t: string) {
      const state = tokens.get(t);
      if (state) state.expired = true;
    },
    failNext(fault: Fault) {
      faults.push(fault);
    },
    /**
     * Organization pages (issue 16): `roles` names who holds which role on the page (organizationAcls);
     * a member holding a posting role may post and comment as the organization with their own token.
     */
    organizations: [] as { id: string; name: string; roles: { member: string; role: string; state?: string }[] }[],
    /** Who the emulated sign-in page (GET /oauth/v2/authorization) signs in; undefined answers access_denied. */
    consent: undefined as string | undefined,
    stop: async () => {},
  };

  /** Whether the token's member may act as `author`: themselves, or a page where they hold a posting role. */
  const mayActAs = (tokenAuthor: string, author: string) =>
    author === tokenAuthor ||
    emu.organizations.some(
      (o) =>
        `urn:li:organization:${o.id}` === author &&
        o.roles.some((r) => r.member === tokenAuthor && (r.state ?? 'APPROVED') === 'APPROVED' && POSTING_ROLES.includes(r.role)),
    );

  function auth(req: EmuRequest): { author: string } | Reply {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const state = m ? tokens.get(m[1]!) : undefined;
    if (!state) return invalidToken();
    if (state.revoked) return revokedToken();
    if (state.expired) return expiredToken();
    return { author: state.author };
  }

  function versionProblem(req: EmuRequest): Reply | undefined {
    const version = req.headers['linkedin-version'];
    if (typeof version !== 'string') {
      return apiError(400, 'A version must be present. Please specify a version by adding the LinkedIn-Version header.', { code: 'VERSION_MISSING' });
    }
    if (!/^\d{6}(\.\d{2})?$/.test(version)) return apiError(426, `Requested version ${version} is not active`, { code: 'NONEXISTENT_VERSION' });
    if (req.headers['x-restli-protocol-version'] !== '2.0.0')
      return apiError(400, 'Emulator: X-Restli-Protocol-Version 2.0.0 is required', { code: 'PROTOCOL_VERSION' });
    return undefined;
  }

  async function route(req: EmuRequest): Promise<Reply> {
    const { method, path } = req;
    if (method === 'GET' && path === '/media/test.png') return pngReply(png);
    if (method === 'POST' && path === '/oauth/v2/accessToken') return tokenGrant(req);
    if (method === 'GET' && path === '/oauth/v2/authorization') return authorize(req);
    const part = emu.video.routeUnauthenticated(req);
    if (part) return part;
    if (VERSIONED.test(path)) {
      const problem = versionProblem(req);
      if (problem) return problem;
    }
    const who = auth(req);
    if ('status' in who) return who;
    if (method === 'GET' && path === '/v2/userinfo')
      return { status: 200, body: { sub: who.author.split(':').pop(), name: 'Test Member', email_verified: true, locale: { country: 'US', language: 'en' } } };
    const video = emu.video.route(req, who.author);
    if (video) return video;
    if (method === 'POST' && path === '/rest/posts') return createPost(req, who.author);
    if (method === 'GET' && path === '/rest/posts') return findByAuthor(req, who.author);
    const one = /^\/rest\/posts\/(.+)$/.exec(path);
    if (method === 'GET' && one) {
      const post = emu.posts.find((p) => p.id === decodeURIComponent(one[1]!));
      return post ? { status: 200, body: postEntity(post) } : apiError(404, 'Not Found', { code: 'NOT_FOUND' });
    }
    if (method === 'GET' && path === '/rest/socialActions') return socialActions(req);
    if (method === 'GET' && path === '/rest/organizationAcls') return organizationAcls(req, who.author);
    const org = /^\/rest\/organizations\/(\d+)$/.exec(path);
    if (method === 'GET' && org) {
      const o = emu.organizations.find((x) => x.id === org[1]);
      return o
        ? { status: 200, body: { id: Number(o.id), localizedName: o.name, vanityName: o.name.toLowerCase().replace(/\W+/g, '-') } }
        : apiError(404, 'Not Found', { code: 'NOT_FOUND' });
    }
    const comments = /^\/rest\/socialActions\/([^/]+)\/comments$/.exec(path);
    if (method === 'POST' && comments) return createComment(req, decodeURIComponent(comments[1]!), who.author);
    if (method === 'GET' && path === '/rest/organizationalEntityShareStatistics') return shareStatistics(req, who.author);
    if (method === 'POST' && path === '/rest/images' && req.query.get('action') === 'initializeUpload') return initializeUpload(req, who.author);
    const upload = /^\/dms-uploads\/(\d+)\/uploadedImage\/0$/.exec(path);
    if (method === 'PUT' && upload) return receiveUpload(req, upload[1]!, who.author);
    return apiError(404, `No virtual resource found`, { code: 'NOT_FOUND' });
  }

  /**
   * Comments API: {actor, object, message:{text}} → 201 with the comment (id, $URN) and its URN in
   * x-restli-id. The actor must be the token's member or organization; the object an existing post.
   */
  /** The emulated sign-in: straight back to the redirect URI with a code for `consent` (or access_denied). */
  function authorize(req: EmuRequest): Reply {
    const redirect = req.query.get('redirect_uri') ?? '';
    const back = new URL(redirect);
    const state = req.query.get('state');
    if (state) back.searchParams.set('state', state);
    if (emu.consent) back.searchParams.set('code', emu.issueCode(emu.consent, { redirectUri: redirect }));
    else back.searchParams.set('error', 'access_denied');
    return { status: 302, headers: { location: back.toString() }, raw: Buffer.alloc(0) };
  }

  /** organizationAcls?q=roleAssignee: the token member's roles on organization pages (filtered by role and state). */
  function organizationAcls(req: EmuRequest, member: string): Reply {
    if (req.query.get('q') !== 'roleAssignee') return apiError(400, 'Emulator: only the roleAssignee finder is served', { code: 'ILLEGAL_ARGUMENT' });
    const role = req.query.get('role');
    const state = req.query.get('state');
    const elements = emu.organizations.flatMap((o) =>
      o.roles
        .filter((r) => r.member === member && (!role || r.role === role) && (!state || (r.state ?? 'APPROVED') === state))
        .map((r) => ({ roleAssignee: member, organization: `urn:li:organization:${o.id}`, role: r.role, state: r.state ?? 'APPROVED' })),
    );
    return { status: 200, body: { paging: { count: elements.length, start: 0, total: elements.length }, elements } };
  }

  function createComment(req: EmuRequest, postUrn: string, tokenAuthor: string): Reply {
    const body = parseJson(req.body);
    if (!isObject(body)) return inputError(400, 'Request body must be a JSON object', '/', 'INVALID_VALUE');
    if (typeof body.actor !== 'string' || !mayActAs(tokenAuthor, body.actor))
      return apiError(403, 'Not enough permissions to access: socialActions.comments.CREATE', { code: 'ACCESS_DENIED' });
    if (body.object !== postUrn) return inputError(422, 'object must be the post the comment is on', '/object', 'INVALID_VALUE');
    if (!emu.posts.some((p) => p.id === postUrn)) return apiError(404, 'Not Found', { code: 'NOT_FOUND' });
    const text = isObject(body.message) && typeof body.message.text === 'string' ? body.message.text : undefined;
    if (!text) return inputError(422, 'message.text is required', '/message/text', 'MISSING_FIELD');
    if (text.length > 1250) return inputError(422, 'Comment is too long', '/message/text', 'FIELD_LENGTH_TOO_LONG');
    const id = nextId();
    const urn = `urn:li:comment:(${postUrn},${id})`;
    emu.comments.push({ urn, object: postUrn, actor: String(body.actor), text });
    return { status: 201, body: { id, $URN: urn, actor: body.actor, object: postUrn, message: { text } }, headers: { 'x-restli-id': urn } };
  }

  function createPost(req: EmuRequest, tokenAuthor: string): Reply {
    const body = parseJson(req.body);
    if (!isObject(body)) return inputError(400, 'Request body must be a JSON object', '/', 'INVALID_VALUE');
    const author = body.author;
    if (typeof author !== 'string' || !/^urn:li:(person|organization):\w+$/.test(author))
      return inputError(422, 'Invalid author', '/author', 'INVALID_URN_TYPE');
    if (!mayActAs(tokenAuthor, author)) {
      return apiError(403, 'Not enough permissions to access: partnerApiPostsExternal.CREATE.20261001', { serviceErrorCode: 100, code: 'ACCESS_DENIED' });
    }
    const invalid = validatePost(body);
    if (invalid) return invalid;
    const content = isObject(body.content) ? body.content : {};
    const imageUrns = contentImages(content);
    if (imageUrns === undefined) return inputError(422, 'Images must be uploaded before they are used', '/content', 'INVALID_VALUE');
    const commentary = typeof body.commentary === 'string' ? body.commentary : '';
    const duplicate = commentary !== '' ? emu.posts.find((p) => p.author === author && p.commentary === commentary) : undefined;
    if (duplicate) return inputError(422, `Content is a duplicate of ${duplicate.id}`, '/commentary', 'DUPLICATE_POST');
    const today = new Date().toISOString().slice(0, 10);
    if (emu.posts.filter((p) => p.author === author && p.createdAt.toISOString().startsWith(today)).length >= emu.dailyPostLimit) {
      return apiError(429, 'Resource level throttle MEMBER DAY limit for calls to this resource is reached.', { code: 'TOO_MANY_REQUESTS' });
    }
    const article = isObject(content.article) ? articleOf(content.article) : undefined;
    if (article?.thumbnail && !emu.images.some((i) => i.urn === article.thumbnail && i.status === 'AVAILABLE'))
      return inputError(422, 'Article thumbnail must be an uploaded image', '/content/article/thumbnail', 'INVALID_VALUE');
    const id = `urn:li:${imageUrns.length > 0 ? 'ugcPost' : 'share'}:${nextId()}`;
    emu.posts.push({
      id,
      author,
      commentary,
      text: renderLittleText(commentary),
      visibility: String(body.visibility),
      lifecycleState: String(body.lifecycleState),
      imageUrns,
      altTexts: contentAltTexts(content),
      article,
      version: String(req.headers['linkedin-version']),
      createdAt: new Date(),
    });
    return { status: 201, raw: Buffer.alloc(0), headers: { 'x-restli-id': id, 'x-linkedin-id': id } };
  }

  function validatePost(body: Record<string, unknown>): Reply | undefined {
    if (!['PUBLIC', 'CONNECTIONS', 'LOGGED_IN', 'CONTAINER'].includes(String(body.visibility)))
      return inputError(422, 'Invalid visibility', '/visibility', 'INVALID_VALUE');
    if (!['PUBLISHED', 'DRAFT'].includes(String(body.lifecycleState))) return inputError(422, 'Invalid lifecycleState', '/lifecycleState', 'INVALID_VALUE');
    const distribution = isObject(body.distribution) ? body.distribution : undefined;
    if (!distribution || !['MAIN_FEED', 'NONE'].includes(String(distribution.feedDistribution))) {
      return inputError(422, 'Missing distribution.feedDistribution', '/distribution/feedDistribution', 'MISSING_FIELD');
    }
    if (body.commentary !== undefined && typeof body.commentary !== 'string') return inputError(422, 'Invalid commentary', '/commentary', 'INVALID_VALUE');
    if (typeof body.commentary === 'string' && body.commentary.length > 3000)
      return inputError(422, 'Commentary is too long', '/commentary', 'FIELD_LENGTH_TOO_LONG');
    const article = isObject(body.content) ? body.content.article : undefined;
    if (article !== undefined && (!isObject(article) || typeof article.source !== 'string' || typeof article.title !== 'string')) {
      return inputError(422, 'Article needs source and title', '/content/article', 'MISSING_FIELD');
    }
    return undefined;
  }

  function articleOf(a: Record<string, unknown>): NonNullable<LinkedInPostRecord['article']> {
    return {
      source: String(a.source),
      title: String(a.title),
      ...(typeof a.description === 'string' ? { description: a.description } : {}),
      ...(typeof a.thumbnail === 'string' ? { thumbnail: a.thumbnail } : {}),
    };
  }

  function contentAltTexts(content: Record<string, unknown>): (string | undefined)[] {
    const refs = isObject(content.media)
      ? [content.media]
      : isObject(content.multiImage) && Array.isArray(content.multiImage.images)
        ? content.multiImage.images
        : [];
    return refs.map((r) => (isObject(r) && typeof r.altText === 'string' ? r.altText : undefined));
  }

  /** The image URNs of content.media / content.multiImage; undefined when one is unknown or not uploaded. */
  function contentImages(content: Record<string, unknown>): string[] | undefined {
    const refs = isObject(content.media)
      ? [content.media]
      : isObject(content.multiImage) && Array.isArray(content.multiImage.images)
        ? content.multiImage.images
        : [];
    const urns = refs.map((r) => (isObject(r) ? String(r.id) : ''));
    const ok = urns.every((urn) => emu.images.some((i) => i.urn === urn && i.status === 'AVAILABLE') || (refs.length === 1 && emu.video.isAvailable(urn)));
    return ok ? urns : undefined;
  }

  const postEntity = (p: LinkedInPostRecord) => ({
    id: p.id,
    author: p.author,
    commentary: p.commentary,
    visibility: p.visibility,
    lifecycleState: p.lifecycleState,
    distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
    isReshareDisabledByAuthor: false,
    lifecycleStateInfo: { isEditedByAuthor: false },
    createdAt: p.createdAt.getTime(),
    publishedAt: p.createdAt.getTime(),
    lastModifiedAt: p.createdAt.getTime(),
    ...(p.article ? { content: { article: p.article } } : {}),
    ...(p.imageUrns.length === 1 ? { content: { media: { id: p.imageUrns[0] } } } : {}),
    ...(p.imageUrns.length > 1 ? { content: { multiImage: { images: p.imageUrns.map((id) => ({ id })) } } } : {}),
  });

  function findByAuthor(req: EmuRequest, tokenAuthor: string): Reply {
    if (req.query.get('q') !== 'author') return apiError(400, 'Emulator: only the author finder (q=author) is served', { code: 'ILLEGAL_ARGUMENT' });
    const author = req.query.get('author') ?? '';
    if (!mayActAs(tokenAuthor, author))
      return apiError(403, 'Not enough permissions to access: partnerApiPostsExternal.FINDER-author.20261001', {
        serviceErrorCode: 100,
        code: 'ACCESS_DENIED',
      });
    const count = Math.min(Math.max(Number(req.query.get('count') ?? '10') || 10, 1), 100);
    const start = Math.max(Number(req.query.get('start') ?? '0') || 0, 0);
    const mine = emu.posts.filter((p) => p.author === author).reverse();
    const elements = mine.slice(start, start + count).map(postEntity);
    return { status: 200, body: { paging: { start, count, links: [], total: mine.length }, elements } };
  }

  /** Rest.li 2.0 `List(a,b)` as its items; undefined when the parameter is not a list. */
  const listParam = (value: string | null) => (value && /^List\(.*\)$/.test(value) ? value.slice(5, -1).split(',').filter(Boolean) : undefined);

  /** Batch get: `{results: {urn: {likesSummary, commentsSummary}}, statuses, errors}`. */
  function socialActions(req: EmuRequest): Reply {
    const urns = listParam(req.query.get('ids'));
    if (!urns || urns.length === 0) return apiError(400, 'Emulator: ids=List(...) is required', { code: 'ILLEGAL_ARGUMENT' });
    const results: Record<string, unknown> = {};
    const statuses: Record<string, number> = {};
    const errors: Record<string, unknown> = {};
    for (const urn of urns) {
      const post = emu.posts.find((p) => p.id === urn);
      statuses[urn] = post ? 200 : 404;
      if (!post) errors[urn] = { status: 404, message: 'Not Found' };
      else {
        const e = emu.engagement.of(urn);
        results[urn] = {
          target: urn,
          likesSummary: { totalLikes: e.likes, likedByCurrentUser: false, aggregatedTotalLikes: e.likes },
          commentsSummary: { totalFirstLevelComments: e.replies, aggregatedTotalComments: e.replies },
        };
      }
    }
    return { status: 200, body: { results, statuses, errors } };
  }

  /** An organization's share statistics for the listed shares and ugcPosts (its own posts only). */
  function shareStatistics(req: EmuRequest, tokenAuthor: string): Reply {
    const org = req.query.get('organizationalEntity') ?? '';
    if (req.query.get('q') !== 'organizationalEntity' || !org.startsWith('urn:li:organization:')) {
      return apiError(400, 'Emulator: q=organizationalEntity with an organization URN is required', { code: 'ILLEGAL_ARGUMENT' });
    }
    if (!mayActAs(tokenAuthor, org))
      return apiError(403, 'Not enough permissions to access: organizationalEntityShareStatistics.FINDER-organizationalEntity', {
        serviceErrorCode: 100,
        code: 'ACCESS_DENIED',
      });
    const wanted = [...(listParam(req.query.get('shares')) ?? []), ...(listParam(req.query.get('ugcPosts')) ?? [])];
    const elements = emu.posts
      .filter((p) => p.author === org && wanted.includes(p.id))
      .map((p) => {
        const e = emu.engagement.of(p.id);
        const stats = {
          uniqueImpressionsCount: Math.floor(e.impressions * 0.8),
          shareCount: e.reposts,
          engagement: (e.likes + e.replies + e.reposts) / e.impressions,
          clickCount: 0,
          likeCount: e.likes,
          impressionCount: e.impressions,
          commentCount: e.replies,
        };
        return { totalShareStatistics: stats, [p.id.startsWith('urn:li:share:') ? 'share' : 'ugcPost']: p.id, organizationalEntity: org };
      });
    return { status: 200, body: { paging: { start: 0, count: 10, links: [] }, elements } };
  }

  function initializeUpload(req: EmuRequest, tokenAuthor: string): Reply {
    const body = parseJson(req.body);
    const init = isObject(body) && isObject(body.initializeUploadRequest) ? body.initializeUploadRequest : undefined;
    if (!init || typeof init.owner !== 'string')
      return inputError(422, 'Missing initializeUploadRequest.owner', '/initializeUploadRequest/owner', 'MISSING_FIELD');
    if (!mayActAs(tokenAuthor, init.owner))
      return apiError(403, 'Not enough permissions to access: partnerApiImages.ACTION-initializeUpload', { serviceErrorCode: 100, code: 'ACCESS_DENIED' });
    const id = nextId();
    emu.images.push({ urn: `urn:li:image:C4E${id}`, owner: init.owner, status: 'WAITING_UPLOAD', size: 0, contentType: '' });
    const value = { uploadUrlExpiresAt: Date.now() + 86_400_000, uploadUrl: `${emu.url}/dms-uploads/${id}/uploadedImage/0`, image: `urn:li:image:C4E${id}` };
    return { status: 200, body: { value } };
  }

  function receiveUpload(req: EmuRequest, id: string, tokenAuthor: string): Reply {
    const image = emu.images.find((i) => i.urn === `urn:li:image:C4E${id}`);
    if (!image || !mayActAs(tokenAuthor, image.owner)) return apiError(404, 'Upload not found', { code: 'NOT_FOUND' });
    const type = imageType(req.body);
    // Images API: JPG, GIF and PNG; the upload is refused otherwise, and above the size LinkedIn's guides give (5 MB here).
    if (!type || type === 'image/webp') return apiError(400, 'The uploaded file is not a supported image (JPG, GIF or PNG).', { code: 'INVALID_VALUE' });
    if (req.body.length > 5 * 1024 * 1024) return apiError(413, 'The image is larger than 5 MB.', { code: 'REQUEST_ENTITY_TOO_LARGE' });
    if (req.headers['content-length'] !== undefined && Number(req.headers['content-length']) !== req.body.length)
      return apiError(400, 'The upload was cut short.', { code: 'INVALID_VALUE' });
    Object.assign(image, { status: 'AVAILABLE', size: req.body.length, contentType: type, sha256: createHash('sha256').update(req.body).digest('hex') });
    return { status: 201, raw: Buffer.alloc(0) };
  }

  function tokenGrant(req: EmuRequest): Reply {
    const form = readParams(req);
    if (form.client_id !== clientId || form.client_secret !== clientSecret) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } };
    }
    const refused = {
      status: 400,
      body: { error: 'invalid_request', error_description: 'The provided authorization grant or refresh token is invalid, expired or revoked.' },
    };
    if (form.grant_type === 'refresh_token') {
      const r = refreshes.get(String(form.refresh_token ?? ''));
      if (!r || r.expiresAt <= Date.now()) return refused;
      return { status: 200, body: grant(r.author, String(form.refresh_token), r.expiresAt) };
    }
    if (form.grant_type === 'authorization_code') {
      const c = codes.get(String(form.code ?? ''));
      codes.delete(String(form.code ?? ''));
      if (!c || (c.redirectUri && c.redirectUri !== form.redirect_uri)) return refused;
      const t = emu.issueToken(c.author);
      return { status: 200, body: grant(c.author, t.refreshToken, refreshes.get(t.refreshToken)!.expiresAt, t.accessToken) };
    }
    return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant_type not supported' } };
  }

  /** A new access token; the refresh token keeps its value and its original expiry (LinkedIn does not reset it). */
  function grant(author: string, refreshToken: string, refreshExpiresAt: number, accessToken = randomToken()) {
    if (!emu.issued.includes(accessToken)) emu.issued.push(accessToken);
    tokens.set(accessToken, { author, revoked: false, expired: false });
    return {
      access_token: accessToken,
      expires_in: 5_184_000,
      refresh_token: refreshToken,
      refresh_token_expires_in: Math.floor((refreshExpiresAt - Date.now()) / 1000),
      scope: 'openid,profile,w_member_social',
    };
  }

  function faultReply(fault: Fault): Reply | undefined {
    if (fault.kind === '5xx') return apiError(503, 'Service Unavailable');
    if (fault.kind === '429')
      return apiError(429, 'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.', { code: 'TOO_MANY_REQUESTS' });
    if (fault.kind === 'revoked') return revokedToken();
    if (fault.kind === 'rejected') return inputError(422, 'The content of the post was rejected', '/commentary', 'INVALID_VALUE');
    return undefined;
  }

  async function handle(req: EmuRequest): Promise<Reply> {
    const fault = faults.take(`${req.method} ${req.path}`);
    const scripted = fault ? faultReply(fault) : undefined;
    if (scripted) return scripted;
    return applyTimeouts(fault, () => route(req));
  }

  const server = await serveEmulator({
    handle,
    requests: emu.requests,
    latencyMs: () => emu.latencyMs,
    defaultHeaders: () => ({ 'x-li-uuid': randomBytes(12).toString('base64'), 'x-restli-protocol-version': '2.0.0' }),
  });
  emu.url = server.url;
  emu.imageUrl = `${server.url}/media/test.png`;
  emu.stop = server.stop;
  return emu;
}

export type LinkedInEmulator = Awaited<ReturnType<typeof startLinkedInEmulator>>;

/**
 * Renders "little" text as LinkedIn shows it: `\x` is x, `{hashtag|\#|tag}` is #tag, `@[Name](urn)` is @Name,
 * and the first other unescaped reserved character ends the text (LinkedIn's silent truncation).
 */
export function renderLittleText(commentary: string): string {
  let out = '';
  let i = 0;
  while (i < commentary.length) {
    const rest = commentary.slice(i);
    const tag = /^\{hashtag\|\\#\|([^}]*)\}/.exec(rest);
    const mention = /^@\[([^\]]*)\]\((urn:li:[^)]*)\)/.exec(rest);
    if (tag) [out, i] = [`${out}#${tag[1]}`, i + tag[0].length];
    else if (mention) [out, i] = [`${out}@${mention[1]}`, i + mention[0].length];
    else if (rest[0] === '\\' && rest.length > 1) [out, i] = [out + rest[1], i + 2];
    else if ('\\|{}@[]()<>#*_~'.includes(rest[0]!)) break;
    else [out, i] = [out + rest[0], i + 1];
  }
  return out;
}

import type { FastifyInstance, FastifyReply } from 'fastify';
import { encodePng } from '../image';
import type { CropRow } from '../store';
import { HttpError } from './http-error';
import { displayCrop } from './pages/track-page';
import { idParam, parseQuery } from './query-params';
import type { ServeContext } from './serve-context';
import { orNotFound } from './store-lookups';

/** Ids are never reused (AUTOINCREMENT) and rows are never updated in place: an image URL's bytes never change. */
const IMMUTABLE = 'private, max-age=31536000, immutable';

async function sendCrop(reply: FastifyReply, crop: CropRow): Promise<FastifyReply> {
  reply.header('Cache-Control', IMMUTABLE);
  switch (crop.format) {
    case 'png':
      return reply.type('image/png').send(Buffer.from(crop.image.buffer, crop.image.byteOffset, crop.image.byteLength));
    case 'jpeg':
      return reply.type('image/jpeg').send(Buffer.from(crop.image.buffer, crop.image.byteOffset, crop.image.byteLength));
    case 'rgb8':
      return reply.type('image/png').send(Buffer.from(await encodePng({ width: crop.widthPx, height: crop.heightPx, rgb: crop.image })));
  }
}

/**
 * The only images the server sends: blobs of the store, named by numeric id (crops, SR outputs,
 * a track's LR_0 thumbnail). No route maps a request to a file.
 */
export function registerImageRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const { store } = ctx;
  app.get('/img/crops/:id', async (req, reply) => {
    const id = idParam(req.params, 'id');
    parseQuery(req.query, {}, ['token']);
    return sendCrop(reply, orNotFound(() => store.getCrop(id)));
  });
  app.get('/img/sr/:id', async (req, reply) => {
    const id = idParam(req.params, 'id');
    parseQuery(req.query, {}, ['token']);
    const o = orNotFound(() => store.getSrOutput(id));
    return reply.header('Cache-Control', IMMUTABLE).type('image/png').send(Buffer.from(o.png.buffer, o.png.byteOffset, o.png.byteLength));
  });
  app.get('/img/tracks/:id/lr0', async (req, reply) => {
    const id = idParam(req.params, 'id');
    parseQuery(req.query, {}, ['token']);
    const t = orNotFound(() => store.getTrackItem(id));
    const crop = displayCrop(store.listDetectionCrops(t.lr0DetectionId));
    if (crop === undefined) throw new HttpError(404, 'E_NOT_FOUND', `track ${id} has no crop of its LR_0 detection`);
    return sendCrop(reply, crop);
  });
}

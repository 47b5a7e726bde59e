/**
 * The actuator's HTTP answers, shaped as Spring's: JSON in the negotiated media type without a charset, and
 * bodiless 404, 405 and 406.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Negotiated } from './negotiate.js';

/** The methods an endpoint answers 405 to (GET and HEAD are served). */
export const OTHER_METHODS = ['POST', 'PUT', 'DELETE', 'PATCH'] as const;

/** Sends `body` as JSON in the negotiated media type. */
export function send(reply: FastifyReply, statusCode: number, neg: Negotiated, body: unknown): FastifyReply {
  // A Buffer, so that fastify does not append `; charset=utf-8` (Spring sends the bare media type).
  return reply.code(statusCode).header('content-type', neg.contentType).send(Buffer.from(JSON.stringify(body), 'utf8'));
}

/** 404 without a body. */
export function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).send();
}

/** 406 without a body (no acceptable media type). */
export function notAcceptable(reply: FastifyReply): FastifyReply {
  return reply.code(406).send();
}

/** 405 with `Allow: GET, HEAD`, for a route handler. */
export function methodNotAllowed(_req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(405).header('allow', 'GET, HEAD').send();
}

/**
 * The links index at the base path (`GET /actuator`, docs/health.md § Endpoint mechanics): `self` and one
 * link per exposed endpoint, with Spring's link names.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ActuatorConfig } from './config.js';
import { endpointSegment, isExposed } from './exposure.js';
import { negotiate } from './negotiate.js';
import { notAcceptable, send } from './replies.js';

type Link = { href: string; templated: boolean };

/** Answers the links index (406 when no acceptable media type). */
export function serveLinks(config: ActuatorConfig, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const neg = negotiate(req.headers.accept);
  if (!neg) return notAcceptable(reply);
  const path = (req.url.split('?')[0] ?? '').replace(/\/+$/, '');
  const host = req.headers.host ?? `${req.hostname}`;
  const self = `${req.protocol}://${host}${path}`;
  const out: Record<string, Link> = { self: { href: self, templated: false } };
  const link = (href: string): Link => ({ href, templated: href.includes('{') });
  if (isExposed(config, 'health')) {
    const p = endpointSegment(config, 'health');
    out.health = link(`${self}/${p}`);
    out['health-path'] = link(`${self}/${p}/{*path}`);
  }
  if (isExposed(config, 'info')) out.info = link(`${self}/${endpointSegment(config, 'info')}`);
  if (isExposed(config, 'prometheus')) out.prometheus = link(`${self}/${endpointSegment(config, 'prometheus')}`);
  if (isExposed(config, 'metrics')) {
    const p = endpointSegment(config, 'metrics');
    // Spring's link names for the metrics endpoint.
    out['metrics-requiredMetricName'] = link(`${self}/${p}/{requiredMetricName}`);
    out.metrics = link(`${self}/${p}`);
  }
  return send(reply, 200, neg, { _links: out });
}

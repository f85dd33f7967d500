// The initiator's HTTPS client (Go net/http seen through imroc/req): TLS that trusts exactly the
// given CA files (or anything with tlsInsecure), a timeout, and failures worded as Go words them,
// e.g. `Post "https://127.0.0.1:3234/init": dial tcp 127.0.0.1:3234: connect: connection refused`.
import { request } from 'node:https';

export interface HttpsOptions {
  /** PEM texts to trust; ignored when insecure. */
  ca?: string[];
  insecure?: boolean;
  timeoutMs: number;
}

export interface HttpsResponse {
  status: number;
  body: Buffer;
}

/** A request failure as Go's http.Client reports it (the whole text in `message`). */
export class GoHttpError extends Error {
  override readonly name = 'GoHttpError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

function goMethod(method: string): string {
  return method.charAt(0) + method.slice(1).toLowerCase();
}

/** Go's wording of a Node socket/TLS error for `method url`. */
export function goErrorText(method: string, url: string, err: NodeJS.ErrnoException): string {
  const u = new URL(url);
  const hostPort = `${u.hostname}:${u.port || '443'}`;
  const prefix = `${goMethod(method)} ${JSON.stringify(url)}: `;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `${prefix}dial tcp ${hostPort}: connect: connection refused`;
    case 'ECONNRESET':
      return `${prefix}read tcp ${hostPort}: read: connection reset by peer`;
    case 'ETIMEDOUT':
    case 'GO_TIMEOUT':
      return `${prefix}context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `${prefix}tls: failed to verify certificate: x509: certificate signed by unknown authority`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `${prefix}tls: failed to verify certificate: x509: certificate is valid for other names, not ${u.hostname}`;
    case 'CERT_HAS_EXPIRED':
      return `${prefix}tls: failed to verify certificate: x509: certificate has expired or is not yet valid`;
    default:
      return `${prefix}${err.message}`;
  }
}

export function httpsRequest(
  method: 'GET' | 'POST',
  url: string,
  body: Buffer | undefined,
  opts: HttpsOptions,
): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      reject(new GoHttpError(goErrorText(method, url, err), err.code));
    };
    const req = request(
      url,
      {
        method,
        agent: false,
        ca: opts.insecure ? undefined : opts.ca,
        rejectUnauthorized: !opts.insecure,
        headers: body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
      },
    );
    const timer = setTimeout(() => {
      const err: NodeJS.ErrnoException = new Error('timeout');
      err.code = 'GO_TIMEOUT';
      fail(err);
      req.destroy();
    }, opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      fail(err);
    });
    req.end(body);
  });
}

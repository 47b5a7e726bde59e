/**
 * Finds where a `Transfer-Encoding: chunked` body ends in a byte stream, without decoding it: the relay
 * forwards the bytes as they are and only needs the message boundary (RFC 9112 § 7.1). Strict on
 * purpose: a framing the scanner cannot read exactly is rejected rather than guessed, so that the
 * relay and the module's own HTTP parser never disagree about where a request ends (docs/module-contract.md
 * § How requests reach a module).
 */

const enum State {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  Trailer,
  TrailerLf,
  FinalLf,
  Done,
}

/** Hex digits above this many would overflow a safe integer. */
const MAX_SIZE_DIGITS = 13;

/** Streaming scanner of one chunked body. */
export class ChunkedBody {
  private state = State.Size;
  private digits = 0;
  private remaining = 0;
  /** Bytes of the trailer section (bounded like a head). */
  private trailerBytes = 0;
  /** Payload bytes scanned so far (chunk data, without the framing). */
  dataBytes = 0;

  constructor(private readonly maxTrailerBytes: number) {}

  /** True once the body's last byte has been scanned. */
  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * Scans `buf` from `start`; returns the offset just past the body's end, `buf.length` when the body
   * goes on, or -1 when the framing is invalid.
   */
  scan(buf: Uint8Array, start: number): number {
    let i = start;
    const n = buf.length;
    while (i < n) {
      const c = buf[i]!;
      switch (this.state) {
        case State.Size: {
          const v = hexValue(c);
          if (v >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return -1;
            this.remaining = this.remaining * 16 + v;
            i++;
            continue;
          }
          if (this.digits === 0) return -1;
          if (c === 13) this.state = State.SizeLf;
          else if (c === 59 /* ; */ || c === 32 || c === 9) this.state = State.Extension;
          else return -1;
          i++;
          continue;
        }
        case State.Extension:
          // Extensions are skipped, not interpreted; a bare LF or a control byte is refused.
          if (c === 13) this.state = State.SizeLf;
          else if (c === 10 || c === 0 || c === 127) return -1;
          i++;
          continue;
        case State.SizeLf:
          if (c !== 10) return -1;
          i++;
          this.digits = 0;
          this.state = this.remaining === 0 ? State.TrailerStart : State.Data;
          continue;
        case State.Data: {
          const take = Math.min(this.remaining, n - i);
          this.remaining -= take;
          this.dataBytes += take;
          i += take;
          if (this.remaining === 0) this.state = State.DataCr;
          continue;
        }
        case State.DataCr:
          if (c !== 13) return -1;
          this.state = State.DataLf;
          i++;
          continue;
        case State.DataLf:
          if (c !== 10) return -1;
          this.state = State.Size;
          i++;
          continue;
        case State.TrailerStart:
          if (c === 13) {
            this.state = State.FinalLf;
            i++;
            continue;
          }
          this.state = State.Trailer;
          continue;
        case State.Trailer:
          if (++this.trailerBytes > this.maxTrailerBytes) return -1;
          if (c === 13) this.state = State.TrailerLf;
          else if (c === 10 || c === 0) return -1;
          i++;
          continue;
        case State.TrailerLf:
          if (c !== 10) return -1;
          this.state = State.TrailerStart;
          i++;
          continue;
        case State.FinalLf:
          if (c !== 10) return -1;
          this.state = State.Done;
          return i + 1;
        case State.Done:
          return i;
      }
    }
    return this.state === State.Done ? i : n;
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

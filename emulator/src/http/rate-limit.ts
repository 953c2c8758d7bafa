/** Length of GitHub's primary rate-limit window. */
const WINDOW_MS = 60 * 60 * 1000;

interface Bucket {
  used: number;
  resetAt: number;
}

export interface RateLimitState {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds at which the window resets. */
  reset: number;
}

/** Counts requests per identity in hourly windows, as GitHub's primary rate limit does. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limit: number) {}

  /** Counts one request and returns the state after it; `remaining` below 0 means over the limit. */
  consume(key: string, nowMs: number): RateLimitState {
    const bucket = this.bucket(key, nowMs);
    bucket.used += 1;
    return this.describe(bucket);
  }

  peek(key: string, nowMs: number): RateLimitState {
    return this.describe(this.bucket(key, nowMs));
  }

  private bucket(key: string, nowMs: number): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined || bucket.resetAt <= nowMs) {
      bucket = { used: 0, resetAt: nowMs + WINDOW_MS };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private describe(bucket: Bucket): RateLimitState {
    return {
      limit: this.limit,
      remaining: this.limit - bucket.used,
      used: bucket.used,
      reset: Math.ceil(bucket.resetAt / 1000),
    };
  }
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    "x-ratelimit-limit": String(state.limit),
    "x-ratelimit-remaining": String(Math.max(0, state.remaining)),
    "x-ratelimit-reset": String(state.reset),
    "x-ratelimit-used": String(Math.min(state.used, state.limit)),
    "x-ratelimit-resource": "core",
  };
}

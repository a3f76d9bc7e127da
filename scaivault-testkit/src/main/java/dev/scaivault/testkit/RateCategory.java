package dev.scaivault.testkit;

/**
 * The dev server's rate-limit buckets. Each (identity, category) pair has its own token bucket holding
 * {@link #defaultPerMinute()} tokens, refilled continuously; requests without an identity are counted per
 * client address.
 */
public enum RateCategory {
    /** {@code GET /v1/secrets/{path}}: 1000 per minute (documented). */
    READ(1000),
    /** {@code POST /v1/secrets/batch}: 100 per minute (documented). */
    BATCH(100),
    /** {@code PUT} and {@code DELETE /v1/secrets/{path}}: 200 per minute (not documented; the dev server's choice). */
    WRITE(200),
    /** {@code POST /v1/dynamic/engines/{engine}/creds/{role}}: 100 per minute (documented). */
    DYNAMIC(100),
    /** Lease renew and revoke: 100 per minute (documented). */
    LEASE(100),
    /** {@code GET /v1/subscriptions/{id}/poll}: 240 per minute (documented). */
    POLL(240),
    /** {@code GET /v1/auth/whoami}: 300 per minute (documented). */
    WHOAMI(300),
    /** Token exchange and the ScaiKey token endpoint, per client address: 600 per minute (dev server's choice). */
    AUTH(600),
    /** Everything else (health, version, lease lookup, subscription management): 1000 per minute. */
    OTHER(1000);

    private final int defaultPerMinute;

    RateCategory(int defaultPerMinute) {
        this.defaultPerMinute = defaultPerMinute;
    }

    public int defaultPerMinute() {
        return defaultPerMinute;
    }
}

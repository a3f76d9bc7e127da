package dev.scaivault.testkit;

import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Token buckets per (identity, category) on the server clock, so a test with a fixed clock never refills. */
final class RateLimiter {
    record Outcome(boolean allowed, int limit, int remaining, long resetEpochSecond, long retryAfterSeconds) {}

    private final Clock clock;
    private final boolean enabled;
    private final Map<RateCategory, Integer> limits;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimiter(Clock clock, boolean enabled, Map<RateCategory, Integer> overrides) {
        this.clock = clock;
        this.enabled = enabled;
        EnumMap<RateCategory, Integer> l = new EnumMap<>(RateCategory.class);
        for (RateCategory c : RateCategory.values()) {
            l.put(c, overrides.getOrDefault(c, c.defaultPerMinute()));
        }
        this.limits = l;
    }

    Outcome consume(String key, RateCategory category) {
        return bucket(key, category).take(clock.instant(), enabled);
    }

    Outcome peek(String key, RateCategory category) {
        return bucket(key, category).peek(clock.instant());
    }

    private Bucket bucket(String key, RateCategory category) {
        int limit = limits.get(category);
        return buckets.computeIfAbsent(category + "|" + key, k -> new Bucket(limit, clock.instant()));
    }

    private static final class Bucket {
        private final int capacity;
        private final double perNano;
        private double tokens;
        private Instant last;

        Bucket(int capacity, Instant now) {
            this.capacity = capacity;
            this.perNano = capacity / 60e9;
            this.tokens = capacity;
            this.last = now;
        }

        synchronized Outcome take(Instant now, boolean enforce) {
            refill(now);
            if (!enforce) {
                return outcome(true, now);
            }
            if (tokens >= 1) {
                tokens -= 1;
                return outcome(true, now);
            }
            return outcome(false, now);
        }

        synchronized Outcome peek(Instant now) {
            refill(now);
            return outcome(true, now);
        }

        private void refill(Instant now) {
            long elapsed = java.time.Duration.between(last, now).toNanos();
            if (elapsed > 0) {
                tokens = Math.min(capacity, tokens + elapsed * perNano);
                last = now;
            }
        }

        private Outcome outcome(boolean allowed, Instant now) {
            double toFullSeconds = (capacity - tokens) / (perNano * 1e9);
            long reset = now.getEpochSecond() + (long) Math.ceil(toFullSeconds);
            long retryAfter = tokens >= 1 ? 0 : Math.max(1, (long) Math.ceil((1 - tokens) / (perNano * 1e9)));
            return new Outcome(allowed, capacity, (int) Math.floor(tokens), reset, retryAfter);
        }
    }
}

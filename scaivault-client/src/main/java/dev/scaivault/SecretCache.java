package dev.scaivault;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cached reads of static secrets.
 *
 * <ul>
 *   <li>A value younger than the TTL is served from memory, without I/O.
 *   <li>Once it is older than 80% of the TTL, the next read returns it at once and refreshes it in the
 *       background (one refresh per path at a time).
 *   <li>A value older than the TTL is re-read on the calling thread. If ScaiVault cannot be reached (or
 *       answers 429 or 5xx), the last good value is served instead and reported as {@linkplain
 *       CachedSecret#stale() stale}, until it is older than the maximum staleness; then the read fails.
 *   <li>An authoritative answer (404, 403) is never papered over: the entry is dropped and the error thrown.
 * </ul>
 */
public final class SecretCache {
    private static final Logger log = LoggerFactory.getLogger(SecretCache.class);

    private record Entry(Secret secret, Instant fetchedAt, String lastError) {}

    private final Secrets secrets;
    private final InstantSource clock;
    private final Duration ttl;
    private final Duration refreshAfter;
    private final Duration maxStaleness;
    private final Executor executor;
    private final Cache<String, Entry> cache;
    private final ConcurrentMap<String, CompletableFuture<Entry>> loading = new ConcurrentHashMap<>();

    SecretCache(Secrets secrets, Time time, Duration ttl, Duration maxStaleness, long maxSize) {
        this.secrets = secrets;
        this.clock = time.clock();
        this.ttl = ttl;
        this.refreshAfter = ttl.multipliedBy(4).dividedBy(5);
        this.maxStaleness = maxStaleness;
        // Background refreshes call ScaiVault: the time's I/O executor, as every other call of the library.
        this.executor = time.io();
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxSize)
                .ticker(() -> {
                    Instant now = clock.instant();
                    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
                })
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String key, Entry e, long currentTime) {
                        // Kept past the staleness limit so a read then fails with the reason, not a bare I/O error.
                        return nanosUntil(e.fetchedAt.plus(SecretCache.this.maxStaleness.multipliedBy(2)));
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry e, long currentTime, long currentDuration) {
                        return expireAfterCreate(key, e, currentTime);
                    }

                    @Override
                    public long expireAfterRead(String key, Entry e, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .executor(executor)
                .build();
    }

    private long nanosUntil(Instant t) {
        Duration d = Duration.between(clock.instant(), t);
        return d.isNegative() ? 0 : d.toNanos();
    }

    /** The secret's latest version, as fresh as the cache's rules allow. */
    public Secret get(String path) {
        return lookup(path).secret;
    }

    /** The secret with what the cache knows about its freshness. */
    public CachedSecret entry(String path) {
        return view(lookup(path));
    }

    private Entry lookup(String path) {
        Entry e = cache.getIfPresent(path);
        if (e == null) {
            Protocol.checkSecretPath(path);
            return join(load(path, false));
        }
        Instant now = clock.instant();
        Instant age = e.fetchedAt;
        if (now.isBefore(age.plus(ttl))) {
            if (!now.isBefore(age.plus(refreshAfter))) {
                load(path, true);
            }
            return e;
        }
        try {
            return join(load(path, false));
        } catch (ScaiVaultApiException ex) {
            if (!transientFailure(ex)) {
                throw ex;
            }
            return staleOrFail(path, e, now, ex);
        } catch (ScaiVaultIoException ex) {
            return staleOrFail(path, e, now, ex);
        }
    }

    /** Forgets {@code path}; the next read goes to ScaiVault. */
    public void invalidate(String path) {
        cache.invalidate(path);
    }

    private Entry staleOrFail(String path, Entry e, Instant now, ScaiVaultException cause) {
        Instant limit = e.fetchedAt.plus(maxStaleness);
        if (now.isBefore(limit)) {
            Entry stale = new Entry(e.secret, e.fetchedAt, cause.getMessage());
            cache.asMap().replace(path, e, stale);
            log.warn(
                    "serving stale secret {} v{} fetched at {} (limit {}): {}",
                    path,
                    e.secret.version(),
                    e.fetchedAt,
                    limit,
                    cause.getMessage());
            return stale;
        }
        cache.invalidate(path);
        throw new SecretUnavailableException(
                "secret " + path + ": ScaiVault cannot be reached and the last good value (v" + e.secret.version()
                        + ", fetched at " + e.fetchedAt + ") is older than the maximum staleness of " + maxStaleness,
                cause);
    }

    private static boolean transientFailure(ScaiVaultApiException e) {
        return e.status() == 429 || e.status() >= 500;
    }

    /** One load per path at a time; concurrent readers of a missing or expired entry wait for the same one. */
    private CompletableFuture<Entry> load(String path, boolean inBackground) {
        while (true) {
            CompletableFuture<Entry> mine = new CompletableFuture<>();
            CompletableFuture<Entry> running = loading.putIfAbsent(path, mine);
            if (running != null) {
                if (!running.isDone()) {
                    return running;
                }
                loading.remove(path, running);
                continue;
            }
            Runnable work = () -> {
                try {
                    mine.complete(fetch(path));
                } catch (RuntimeException | Error ex) {
                    // Completed whatever happened: readers waiting on this load must not wait forever.
                    if (inBackground) {
                        log.debug("background refresh of secret {} failed: {}", path, ex.getMessage());
                    }
                    mine.completeExceptionally(ex);
                } finally {
                    loading.remove(path, mine);
                }
            };
            if (inBackground) {
                executor.execute(work);
            } else {
                work.run();
            }
            return mine;
        }
    }

    private Entry fetch(String path) {
        try {
            Entry fresh = new Entry(secrets.read(path), clock.instant(), null);
            cache.put(path, fresh);
            return fresh;
        } catch (ScaiVaultApiException ex) {
            if (!transientFailure(ex)) {
                cache.invalidate(path);
            }
            throw ex;
        }
    }

    private static Entry join(CompletableFuture<Entry> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    private CachedSecret view(Entry e) {
        return new CachedSecret(e.secret, e.fetchedAt, e.lastError != null, Optional.ofNullable(e.lastError));
    }
}

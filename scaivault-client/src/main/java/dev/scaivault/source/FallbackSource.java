package dev.scaivault.source;

import dev.scaivault.SecretUnavailableException;
import dev.scaivault.Time;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SecretSource#withFallback}: the explicit opt-in to start on a fallback (a break-glass credential in a
 * Kubernetes Secret volume, say) when the primary source (usually a lease source built with {@code
 * startWithoutValue()}) has no value at startup, and to move to the primary as soon as it has one.
 *
 * <pre>{@code
 * SecretSource<Credentials> db = LeaseSource.builder(vault, "postgres", "app")
 *         .startWithoutValue()
 *         .build()
 *         .withFallback(FileSource.builder(Path.of("/run/secrets/db-break-glass"))
 *                 .startWithoutValue()
 *                 .build()
 *                 .map(Credentials.fromKeys("username", "password")));
 * }</pre>
 *
 * <ul>
 *   <li>If the primary has a value when {@link #of} runs, it is used and the fallback is closed at once: it
 *       is never used, and its file watcher is not kept running for nothing.
 *   <li>Otherwise, if the fallback has a value, it is served (one WARN names both sources and the primary's
 *       last error) and its changes are forwarded for as long as the primary has no value.
 *   <li>If neither has a value, {@link #of} closes both and throws {@link SecretUnavailableException} naming
 *       both sources and both reasons: fail closed.
 *   <li>The primary's first value is published (its {@linkplain SecretChange#previous() previous} is the
 *       fallback value), the fallback's changes are no longer forwarded, and the fallback is closed once
 *       every listener of this source has handed the fallback value off. From then on this source follows
 *       the primary only and never goes back: the primary's own stale-if-error covers later outages.
 *   <li>Hand-offs pass through: a forwarded change of either source is handed off to that source only when
 *       every listener of this source has handed it off.
 * </ul>
 *
 * <p>While on the fallback, {@link #status()} is {@linkplain SourceStatus#stale() stale} with the error
 * {@code serving fallback <fallback>: <primary> has no value yet: <primary's last error>}, so health
 * endpoints show it. {@link #close()} closes both sources (a lease primary revokes its lease).
 *
 * @param <T> the value type, for example {@link Credentials}
 */
final class FallbackSource<T> extends AbstractSecretSource<T> {
    private static final Logger log = LoggerFactory.getLogger(FallbackSource.class);

    private final SecretSource<T> primary;
    private final SecretSource<T> fallback;
    private final AtomicBoolean fallbackClosed = new AtomicBoolean();
    /** Completes once the primary's first value replaced the fallback's and every listener let go of it. */
    private final CompletableFuture<Void> fallbackReleased = new CompletableFuture<>();

    /** Serializes the two sources' dispatch threads, construction, the switch and close. */
    private final Object lock = new Object();

    private boolean servingFallback;
    private boolean stopped;
    /**
     * The value adopted from a source by reading {@code current()} after subscribing: that source's
     * deliveries up to and including this very value are already accounted for and are skipped.
     */
    private T primaryCatchUp;

    private T fallbackCatchUp;
    private Registration primaryRegistration;
    private Registration fallbackRegistration;

    private FallbackSource(SecretSource<T> primary, SecretSource<T> fallback) {
        super("fallback(" + primary.name() + " | " + fallback.name() + ")", clockOf(primary));
        this.primary = primary;
        this.fallback = fallback;
        boolean closeFallback = false;
        boolean failed = false;
        synchronized (lock) {
            // Subscribe first, then read: a value published in between arrives as a change, not lost.
            primaryRegistration = primary.subscribe(this::onPrimaryChange);
            T p = valueOf(primary);
            if (p != null) {
                primaryCatchUp = p;
                publish(p);
                closeFallback = true;
            } else {
                fallbackRegistration = fallback.subscribe(this::onFallbackChange);
                T f = valueOf(fallback);
                if (f != null) {
                    servingFallback = true;
                    fallbackCatchUp = f;
                    publish(f);
                    log.warn(
                            "{}: {} has no value ({}); serving fallback {} until it has one",
                            name(),
                            primary.name(),
                            primary.status().lastError().orElse("no error recorded"),
                            fallback.name());
                } else {
                    failed = true;
                    stopped = true;
                }
            }
        }
        if (failed) {
            String message = name() + ": neither source has a value: primary " + primary.name() + ": "
                    + primary.status().lastError().orElse("no value") + "; fallback " + fallback.name() + ": "
                    + fallback.status().lastError().orElse("no value");
            closeQuietly(primary);
            closeFallback();
            super.close();
            throw new SecretUnavailableException(message);
        }
        if (closeFallback) {
            log.info(
                    "{}: {} has a value; fallback {} is not needed and closed",
                    name(),
                    primary.name(),
                    fallback.name());
            closeFallback();
        }
    }

    /**
     * Serves {@code primary}, or {@code fallback} while {@code primary} has no value yet. Takes ownership of
     * both: they are closed by this source (the fallback as soon as it is no longer needed), also when this
     * call fails.
     *
     * @throws SecretUnavailableException naming both sources and their last errors, when neither has a value
     */
    static <T> FallbackSource<T> of(SecretSource<T> primary, SecretSource<T> fallback) {
        Objects.requireNonNull(primary, "primary");
        Objects.requireNonNull(fallback, "fallback");
        if (primary == fallback) {
            throw new IllegalArgumentException("primary and fallback are the same source: " + primary.name());
        }
        return new FallbackSource<>(primary, fallback);
    }

    /** True while the fallback's value is in force because the primary has never had one. */
    public boolean servingFallback() {
        synchronized (lock) {
            return servingFallback;
        }
    }

    private static <T> T valueOf(SecretSource<T> s) {
        if (!s.status().hasValue()) {
            return null;
        }
        try {
            return s.current();
        } catch (SecretUnavailableException e) {
            return null; // closed in between
        }
    }

    private void onPrimaryChange(SecretChange<? extends T> change) {
        T v = change.current();
        synchronized (lock) {
            if (stopped) {
                return;
            }
            if (primaryCatchUp != null) {
                if (v == primaryCatchUp) {
                    primaryCatchUp = null;
                }
                return;
            }
            HandOff handOff = change.deferHandOff();
            CompletableFuture<Void> handedOff = publish(v);
            handedOff.whenComplete((x, e) -> handOff.complete());
            if (servingFallback) {
                // Still subscribed to the fallback until it is closed: see onFallbackChange.
                servingFallback = false;
                log.info(
                        "{}: {} has its first value; leaving fallback {} (closed once it is handed off)",
                        name(),
                        primary.name(),
                        fallback.name());
                handedOff.whenComplete((x, e) -> {
                    fallbackReleased.complete(null);
                    // Closing a source can block (a lease source waits for revocations): never on a consumer's thread.
                    Time.system().io().execute(this::closeFallback);
                });
            }
        }
    }

    private void onFallbackChange(SecretChange<? extends T> change) {
        T v = change.current();
        synchronized (lock) {
            if (stopped) {
                return;
            }
            if (!servingFallback) {
                // Arrived after the switch: not forwarded, but the value it replaces may still be in use by
                // our listeners until they have handed off the fallback.
                HandOff handOff = change.deferHandOff();
                fallbackReleased.whenComplete((x, e) -> handOff.complete());
                return;
            }
            if (fallbackCatchUp != null) {
                if (v == fallbackCatchUp) {
                    fallbackCatchUp = null;
                }
                return;
            }
            HandOff handOff = change.deferHandOff();
            publish(v).whenComplete((x, e) -> handOff.complete());
        }
    }

    /**
     * Re-reads the source in force. While on the fallback, the primary is tried first (a lease source
     * without a value generates one at once) and, if that fails, the fallback is re-read. Completes with the
     * value in force afterwards, once every listener of this source has been told about it, or fails naming
     * what failed.
     */
    @Override
    public CompletableFuture<T> refreshNow() {
        boolean fromFallback;
        synchronized (lock) {
            if (stopped) {
                return CompletableFuture.failedFuture(
                        new SecretUnavailableException("source " + name() + " is closed"));
            }
            fromFallback = servingFallback;
        }
        if (!fromFallback) {
            return primary.refreshNow().thenCompose(v -> afterDelivery(primary)).thenCompose(v -> afterDelivery(this));
        }
        return primary.refreshNow().handle((v, e) -> e).thenCompose(primaryError -> {
            if (primaryError == null) {
                return afterDelivery(primary).thenCompose(v -> afterDelivery(this));
            }
            return fallback.refreshNow().handle((v, e) -> e).thenCompose(fallbackError -> {
                if (fallbackError == null) {
                    return afterDelivery(fallback).thenCompose(v -> afterDelivery(this));
                }
                Throwable pe = unwrap(primaryError);
                Throwable fe = unwrap(fallbackError);
                SecretUnavailableException failure = new SecretUnavailableException(
                        name() + ": refresh failed: primary " + primary.name() + ": " + pe.getMessage() + "; fallback "
                                + fallback.name() + ": " + fe.getMessage(),
                        pe);
                failure.addSuppressed(fe);
                return CompletableFuture.failedFuture(failure);
            });
        });
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /**
     * While on the fallback: the fallback's health, stale, with the error naming both sources and the
     * primary's last error. Afterwards: the primary's health (its live lease expiry, its errors).
     */
    @Override
    public SourceStatus status() {
        boolean onFallback;
        synchronized (lock) {
            onFallback = servingFallback;
        }
        boolean hasValue = currentOrNull() != null && !isClosed();
        if (!onFallback) {
            SourceStatus p = primary.status();
            return new SourceStatus(name(), hasValue, p.lastSuccess(), p.lastError(), p.lastErrorAt(), p.validUntil());
        }
        SourceStatus p = primary.status();
        SourceStatus f = fallback.status();
        String error = "serving fallback " + fallback.name() + ": " + primary.name() + " has no value yet"
                + p.lastError().map(e -> ": " + e).orElse("")
                + f.lastError().map(e -> "; " + fallback.name() + ": " + e).orElse("");
        return new SourceStatus(
                name(),
                hasValue,
                f.lastSuccess(),
                Optional.of(error),
                p.lastErrorAt().or(f::lastErrorAt).or(() -> Optional.of(clock().instant())),
                f.validUntil(),
                true);
    }

    /** Closes both sources; a lease primary revokes its lease. */
    @Override
    public void close() {
        Registration ps;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            ps = primaryRegistration;
        }
        super.close();
        if (ps != null) {
            ps.close();
        }
        fallbackReleased.complete(null);
        closeFallback();
        closeQuietly(primary);
    }

    private void closeFallback() {
        if (fallbackClosed.compareAndSet(false, true)) {
            Registration fs;
            synchronized (lock) {
                fs = fallbackRegistration;
            }
            if (fs != null) {
                fs.close();
            }
            closeQuietly(fallback);
        }
    }

    private void closeQuietly(SecretSource<T> s) {
        try {
            s.close();
        } catch (RuntimeException e) {
            log.warn("{}: closing {} failed: {}", name(), s.name(), e.toString());
        }
    }
}

package dev.scaivault.source;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Anything that delivers a secret value and keeps it fresh: a watched file or volume, a ScaiVault secret
 * that follows rotations, a dynamic lease kept alive in the background.
 *
 * <p>Guarantees, for every implementation:
 *
 * <ul>
 *   <li>{@link #current()} returns the last good, fully validated value, never a torn or half-written
 *       one, and never waits on the network or disk.
 *   <li>Listeners receive every change, one at a time and in order, on a {@code scaivault-dispatch}
 *       thread, never on the thread that did the I/O.
 *   <li>Each change carries a {@linkplain SecretChange#deferHandOff() hand-off}: the source does not
 *       retire the previous value (for a lease: revoke it) until every listener has let go of it, or
 *       until it expires, whichever comes first.
 * </ul>
 *
 * @param <T> the value type, for example {@link Credentials}
 */
public interface SecretSource<T> extends AutoCloseable {

    /** A short description for logs and health, never containing a secret: {@code file:/run/secrets/db}. */
    String name();

    /**
     * The last good value.
     *
     * @throws dev.scaivault.SecretUnavailableException if this source has never had a valid value
     */
    T current();

    /**
     * Registers a listener. If the source has a value, the listener first receives it as a change whose
     * {@link SecretChange#previous()} is {@code null}, on the dispatch thread and ordered before any later
     * change, so no update can fall between reading {@link #current()} and subscribing.
     */
    Registration subscribe(SecretListener<? super T> listener);

    /**
     * Re-reads now (for example after a consumer saw an authentication failure). The future completes with
     * the value in force after the re-read, which may be unchanged, or fails with the reason the re-read
     * failed; in that case {@link #current()} still returns the last good value.
     */
    CompletableFuture<T> refreshNow();

    /** Health of this source: when it last succeeded, its last error, how long its value stays valid. */
    SourceStatus status();

    /** Stops background work and releases what this source holds (for a lease source: revokes leases). */
    @Override
    void close();

    /**
     * This source's values through {@code mapping}, for example {@code Credentials.fromKeys("user", "pass")}
     * from a file or a ScaiVault secret. A value the mapping refuses (it throws: a key is missing) is a
     * rejected update like an unparsable file: the last good mapped value stays, {@link #status()} reports
     * the reason, and the value it replaced is not handed off until a value the mapping accepts follows.
     * Hand-offs pass through: this source's value is let go when every listener of the mapped one has.
     *
     * <p>The mapped source owns this one: closing it closes this source.
     *
     * @throws dev.scaivault.SecretUnavailableException if this source has a value the mapping refuses (fail closed, as
     *     {@code build()} fails on an invalid file)
     */
    default <R> SecretSource<R> map(Function<? super T, ? extends R> mapping) {
        return MappedSource.of(this, mapping);
    }

    /**
     * This source, or {@code fallback} while this one has no value yet: the explicit opt-in to start on a
     * break-glass credential when ScaiVault cannot be reached at startup, and to move to this source as
     * soon as it has a value (never back). Owns both sources. See {@code docs/leases.md}.
     *
     * @throws dev.scaivault.SecretUnavailableException naming both sources and their last errors, when neither has a value
     */
    default SecretSource<T> withFallback(SecretSource<T> fallback) {
        return FallbackSource.of(this, fallback);
    }
}

package dev.scaivault.source;

import dev.scaivault.SecretUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SecretSource#map}: a source's values through a function, the function acting as one more
 * validation. See the guarantees there.
 */
final class MappedSource<T, R> extends AbstractSecretSource<R> {
    private static final Logger log = LoggerFactory.getLogger(MappedSource.class);

    private final SecretSource<T> source;
    private final Function<? super T, ? extends R> mapping;
    private final Registration registration;

    /*
     * Hand-offs of the source's values that a refused value replaced: their consumers (ours) still use the
     * mapped value of the last accepted one, so they are let go with the next accepted value's hand-off.
     * Touched only on the source's dispatch thread.
     */
    private final List<HandOff> held = new ArrayList<>();
    /** The source value behind the mapped value in force; the source's dispatch thread only (and the constructor). */
    private T mappedFrom;

    private MappedSource(SecretSource<T> source, Function<? super T, ? extends R> mapping) {
        super(source.name(), clockOf(source));
        this.source = source;
        this.mapping = mapping;
        T first = source.status().hasValue() ? source.current() : null;
        if (first != null) {
            R r = apply(first, true);
            mappedFrom = first;
            publish(r);
        }
        this.registration = source.subscribe(this::onChange);
    }

    static <T, R> SecretSource<R> of(SecretSource<T> source, Function<? super T, ? extends R> mapping) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(mapping, "mapping");
        try {
            return new MappedSource<>(source, mapping);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    private void onChange(SecretChange<? extends T> change) {
        T next = change.current();
        if (next == mappedFrom) {
            return; // the first delivery repeats the value the constructor mapped
        }
        R r;
        try {
            r = apply(next, false);
        } catch (RuntimeException e) {
            // Keep the source's previous value alive for our listeners, who still use its mapping.
            if (change.previous() != null) {
                held.add(change.deferHandOff());
            }
            return;
        }
        mappedFrom = next;
        HandOff handOff = change.previous() != null ? change.deferHandOff() : null;
        List<HandOff> release = new ArrayList<>(held);
        held.clear();
        publish(r).whenComplete((v, e) -> {
            if (handOff != null) {
                handOff.complete();
            }
            release.forEach(HandOff::complete);
        });
    }

    private R apply(T value, boolean atStart) {
        R r;
        try {
            r = Objects.requireNonNull(mapping.apply(value), "the mapping returned null");
        } catch (RuntimeException e) {
            String message = name() + ": the value was refused by the mapping: " + e.getMessage();
            recordFailure(message);
            if (atStart) {
                throw new SecretUnavailableException(message, e);
            }
            log.warn("{}; {}", message, currentOrNull() == null ? "no value yet" : "keeping the last good value");
            throw e;
        }
        return r;
    }

    /**
     * Re-reads the source; completes with the mapped value in force once every listener has it, or fails
     * with the reason the source's read or the mapping refused the new value.
     */
    @Override
    public CompletableFuture<R> refreshNow() {
        return source.refreshNow().thenCompose(v -> {
            try {
                Objects.requireNonNull(mapping.apply(v), "the mapping returned null");
            } catch (RuntimeException e) {
                // Recorded now: the same value's delivery to onChange, which records it too, may come later.
                recordFailure(name() + ": the value was refused by the mapping: " + e.getMessage());
                return CompletableFuture.failedFuture(new SecretUnavailableException(
                        name() + ": refresh failed: the value was refused by the mapping: " + e.getMessage(), e));
            }
            return afterDelivery(source).thenCompose(x -> afterDelivery(this));
        });
    }

    /** The source's health, unless the mapping refused its latest value: then stale with that reason. */
    @Override
    public SourceStatus status() {
        SourceStatus mine = super.status();
        SourceStatus theirs = source.status();
        return new SourceStatus(
                name(),
                mine.hasValue(),
                theirs.lastSuccess(),
                mine.lastError().or(theirs::lastError),
                mine.lastError().isPresent() ? mine.lastErrorAt() : theirs.lastErrorAt(),
                mine.validUntil(),
                theirs.servingFallback());
    }

    @Override
    public void close() {
        registration.close();
        source.close();
        super.close();
    }
}

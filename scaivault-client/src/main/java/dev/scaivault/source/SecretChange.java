package dev.scaivault.source;

import java.time.Instant;
import java.util.Objects;

/**
 * One change of a {@link SecretSource}: the value that was in force, the value now in force, and the
 * hand-off through which the consumer says when it has let go of the previous one.
 */
public final class SecretChange<T> {
    private final T previous;
    private final T current;
    private final Instant at;
    private final HandOffLatch latch;
    private HandOff handOff;

    SecretChange(T previous, T current, Instant at, HandOffLatch latch) {
        this.previous = previous;
        this.current = Objects.requireNonNull(current, "current");
        this.at = Objects.requireNonNull(at, "at");
        this.latch = Objects.requireNonNull(latch, "latch");
    }

    /** The value that was in force before this change, or {@code null} for the first value a listener sees. */
    public T previous() {
        return previous;
    }

    /** The value now in force. */
    public T current() {
        return current;
    }

    /** When the source accepted the new value. */
    public Instant at() {
        return at;
    }

    /**
     * Takes over the hand-off: the source keeps the previous value alive until the returned hand-off is
     * completed (or the previous value expires). Call it at most once, from inside {@link
     * SecretListener#onChange}; without this call the hand-off happens when {@code onChange} returns.
     *
     * @throws IllegalStateException if called twice
     */
    public synchronized HandOff deferHandOff() {
        if (handOff != null) {
            throw new IllegalStateException("hand-off already deferred for this change");
        }
        handOff = latch.newParty();
        return handOff;
    }

    /** Completes a deferred hand-off whose listener failed, so it cannot hold the previous value forever. */
    synchronized boolean releaseIfDeferred() {
        if (handOff == null) {
            return false;
        }
        handOff.complete();
        return true;
    }

    @Override
    public String toString() {
        return "SecretChange{previous=" + previous + ", current=" + current + ", at=" + at + '}';
    }
}

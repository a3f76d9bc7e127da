package dev.scaivault.source;

import dev.scaivault.SecretUnavailableException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part every {@link SecretSource} shares: the current value, serialized delivery to listeners off the
 * I/O thread, hand-off counting, and status. A subclass does the reading and calls {@link #publish}, {@link
 * #recordSuccess()} and {@link #recordFailure}; it may be extended by users for sources of their own.
 */
public abstract class AbstractSecretSource<T> implements SecretSource<T> {
    private static final Logger log = LoggerFactory.getLogger(AbstractSecretSource.class);

    private final String name;
    private final InstantSource clock;
    private final Executor dispatch = Dispatch.serial();
    private final List<SecretListener<? super T>> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();

    private volatile T value;
    private volatile boolean closed;
    private volatile Instant lastSuccess;
    private volatile String lastError;
    private volatile Instant lastErrorAt;

    // Touched only by tasks on the serial dispatch executor.
    private T delivered;

    /**
     * @param name names the source in logs and health, never containing a secret
     * @param clock stamps changes and status: the source's {@code Time}'s clock
     */
    protected AbstractSecretSource(String name, InstantSource clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final T current() {
        T v = value;
        if (v != null && !closed) {
            return v;
        }
        if (closed) {
            throw new SecretUnavailableException("source " + name + " is closed");
        }
        String err = lastError;
        throw new SecretUnavailableException(
                "source " + name + " has no valid value yet" + (err != null ? ": " + err : ""));
    }

    /** The current value, or {@code null} if there has never been one. */
    protected final T currentOrNull() {
        return value;
    }

    @Override
    public final Registration subscribe(SecretListener<? super T> listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            dispatch.execute(() -> {
                listeners.add(listener);
                if (delivered != null) {
                    deliver(listener, new SecretChange<>(null, delivered, clock.instant(), new HandOffLatch()));
                }
            });
        }
        return () -> dispatch.execute(() -> listeners.remove(listener));
    }

    /**
     * Makes {@code next} the current value and delivers the change to every listener.
     *
     * @return completes once every listener has handed off the previous value (at once when there are no
     *     listeners); never completes exceptionally
     */
    protected final CompletableFuture<Void> publish(T next) {
        Objects.requireNonNull(next, "next");
        HandOffLatch latch = new HandOffLatch();
        synchronized (lock) {
            if (closed) {
                latch.release();
                return latch.future();
            }
            T previous = value;
            value = next;
            recordSuccess();
            Instant at = clock.instant();
            dispatch.execute(() -> {
                delivered = next;
                for (SecretListener<? super T> l : listeners) {
                    deliver(l, new SecretChange<>(previous, next, at, latch));
                }
                latch.release();
            });
        }
        return latch.future();
    }

    private void deliver(SecretListener<? super T> listener, SecretChange<T> change) {
        try {
            listener.onChange(change);
        } catch (RuntimeException | Error e) {
            // The listener made no promise to keep the previous value, so its hand-off is immediate.
            log.warn(
                    "listener {} of source {} failed on a change",
                    listener.getClass().getName(),
                    name,
                    e);
            change.releaseIfDeferred();
        }
    }

    /**
     * Completes with the value in force of {@code source} once every listener of {@code source} has been told
     * about it, so a consumer that retries when it completes (a pool after a refused login) already has it: a
     * subscription's first delivery is ordered after every change published before it. Fails at once if the
     * source has no value. For {@link #refreshNow()}, whose re-read may finish before its listeners ran.
     */
    protected static <X> CompletableFuture<X> afterDelivery(SecretSource<X> source) {
        CompletableFuture<X> f = new CompletableFuture<>();
        AtomicReference<Registration> self = new AtomicReference<>();
        AtomicBoolean done = new AtomicBoolean();
        Registration registration = source.subscribe(change -> {
            if (done.compareAndSet(false, true)) {
                f.complete(change.current());
                Registration s = self.get();
                if (s != null) {
                    s.close();
                }
            }
        });
        self.set(registration);
        if (done.get()) {
            registration.close();
        }
        if (!source.status().hasValue()) {
            f.completeExceptionally(new SecretUnavailableException("source " + source.name() + " has no value"));
        }
        return f;
    }

    /** Records that the source read or confirmed its value successfully (clears the last error). */
    protected final void recordSuccess() {
        lastSuccess = clock.instant();
        lastError = null;
        lastErrorAt = null;
    }

    /**
     * Records a failed attempt; {@link #current()} keeps returning the last good value. The message must not
     * contain a secret.
     */
    protected final void recordFailure(String message) {
        lastErrorAt = clock.instant();
        lastError = Objects.requireNonNull(message, "message");
    }

    /** When {@code v} stops working by itself; by default a {@link Credentials}' expiry, else never. */
    protected Optional<Instant> expiryOf(T v) {
        return v instanceof Credentials c ? c.expiresAt() : Optional.empty();
    }

    protected final InstantSource clock() {
        return clock;
    }

    /** The clock of {@code source} if it is one of ours, so what is derived from it keeps its time. */
    static InstantSource clockOf(SecretSource<?> source) {
        return source instanceof AbstractSecretSource<?> a
                ? a.clock
                : dev.scaivault.Time.system().clock();
    }

    protected final boolean isClosed() {
        return closed;
    }

    @Override
    public SourceStatus status() {
        T v = value;
        return new SourceStatus(
                name,
                v != null && !closed,
                Optional.ofNullable(lastSuccess),
                Optional.ofNullable(lastError),
                Optional.ofNullable(lastErrorAt),
                v == null ? Optional.empty() : expiryOf(v));
    }

    /** Stops delivering changes. Subclasses stop their own work first, then call {@code super.close()}. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        dispatch.execute(listeners::clear);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + '{' + name + '}';
    }
}

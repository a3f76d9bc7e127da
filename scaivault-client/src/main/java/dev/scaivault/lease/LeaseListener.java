package dev.scaivault.lease;

import dev.scaivault.Lease;
import java.time.Duration;

/**
 * Lifecycle of the leases a lease source ({@link LeaseSource}) holds, for metrics, health and logs. Every
 * {@link Lease} passed here has its {@linkplain Lease#data() data} removed, so a listener cannot leak the
 * credentials. Methods run on the thread of the source's background task (on {@code Time.system()}, a {@code scaivault-io-<n>} thread,
 * also during {@code close()}), one at a time per source: keep them short and
 * never block. An exception thrown here is logged and otherwise ignored.
 */
public interface LeaseListener {

    /** A new lease was generated (the first one, or a successor). */
    default void created(Lease lease) {}

    /** A renewal succeeded; {@code lease} carries the new expiry. */
    default void renewed(Lease lease) {}

    /** A renewal failed; the next attempt is due in {@code retryIn} (or a successor is acquired). */
    default void renewalFailed(Lease lease, RuntimeException error, Duration retryIn) {}

    /** {@code next} was published in place of {@code previous}. */
    default void rotated(Lease previous, Lease next) {}

    /** A lease was revoked (after its hand-off, at its expiry, or on close). */
    default void revoked(Lease lease) {}

    /** The lease in force reached its expiry without a successor: consumers hold dead credentials. */
    default void expired(Lease lease) {}

    /** Acquiring a lease failed; {@code message} names the engine, role, code and request id. */
    default void error(String message, RuntimeException error) {}
}

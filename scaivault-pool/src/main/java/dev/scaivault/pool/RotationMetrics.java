package dev.scaivault.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a binding's counters, safe to log and export.
 *
 * @param mechanism how the binding sets credentials on this pool (the adapter's name for it, such as
 *     {@code SET_CREDENTIALS} for HikariCP 6+)
 * @param rotations credential changes applied to the pool
 * @param lastRotation when the last one was applied
 * @param lastDrainTime how long the last hand-off waited for connections on the previous credentials
 * @param connectionsOnPreviousCredentials open physical connections whose credentials are no longer the
 *     pool's (-1 when the binding cannot see physical connections: it was bound to a started pool)
 * @param pendingHandOffs previous values still held for the source
 * @param bridgedAuthFailures new connections that failed authentication and made the binding ask the
 *     source for fresher credentials
 * @param handOffTimeouts hand-offs that ran into {@code maxDrainTime}
 */
public record RotationMetrics(
        String mechanism,
        long rotations,
        Optional<Instant> lastRotation,
        Optional<Duration> lastDrainTime,
        int connectionsOnPreviousCredentials,
        int pendingHandOffs,
        long bridgedAuthFailures,
        long handOffTimeouts) {

    public RotationMetrics {
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(lastRotation, "lastRotation");
        Objects.requireNonNull(lastDrainTime, "lastDrainTime");
    }
}

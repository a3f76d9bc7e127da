package dev.scaivault.spring;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.springframework.context.ApplicationEvent;

/**
 * Credentials were rotated: a credential source published new ones ({@link Stage#SOURCE_CHANGED}), a pool
 * started using them ({@link Stage#POOL_APPLIED}) or stopped using the previous ones ({@link
 * Stage#POOL_DRAINED}). Credentials appear by their origin only (a path, a lease id, a sha256 prefix), never by
 * value. Published asynchronously, on one {@code scaivault-spring-events} thread, in order.
 */
public final class ScaiVaultRotationEvent extends ApplicationEvent {
    private static final long serialVersionUID = 1L;

    /** Which step of a rotation this is. */
    public enum Stage {
        /** The credential source has new credentials. */
        SOURCE_CHANGED,
        /** The new credentials were set on a pool and its connections soft-evicted. */
        POOL_APPLIED,
        /** No connection of a pool uses the previous credentials any more (or the drain timed out). */
        POOL_DRAINED
    }

    private final Stage stage;
    private final String previousOrigin;
    private final String origin;
    private final Instant at;
    private final Duration drainTime;

    ScaiVaultRotationEvent(
            String name, Stage stage, String previousOrigin, String origin, Instant at, Duration drainTime) {
        super(name);
        this.stage = Objects.requireNonNull(stage, "stage");
        this.previousOrigin = previousOrigin;
        this.origin = origin;
        this.at = Objects.requireNonNull(at, "at");
        this.drainTime = drainTime;
    }

    /** The credential source's name (for SOURCE_CHANGED) or the DataSource bean's name (pool stages). */
    public String name() {
        return (String) getSource();
    }

    public Stage stage() {
        return stage;
    }

    /** Where the previous credentials came from. */
    public Optional<String> previousOrigin() {
        return Optional.ofNullable(previousOrigin);
    }

    /** Where the new credentials came from; empty for POOL_DRAINED. */
    public Optional<String> origin() {
        return Optional.ofNullable(origin);
    }

    public Instant at() {
        return at;
    }

    /** For POOL_DRAINED: how long the pool took to stop using the previous credentials. */
    public Optional<Duration> drainTime() {
        return Optional.ofNullable(drainTime);
    }

    @Override
    public String toString() {
        return "ScaiVaultRotationEvent{" + stage + ", " + getSource() + ", previous=" + previousOrigin + ", origin="
                + origin + ", at=" + at + (drainTime != null ? ", drainTime=" + drainTime : "") + '}';
    }
}

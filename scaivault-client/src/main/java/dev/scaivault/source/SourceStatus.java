package dev.scaivault.source;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a source's health, safe to log and to show in a health endpoint: it never holds a secret.
 *
 * @param name the source's {@linkplain SecretSource#name() name}
 * @param hasValue whether the source has a valid value
 * @param lastSuccess when the source last read or confirmed its value, if ever
 * @param lastError the last failure's message, if the last attempt failed
 * @param lastErrorAt when that failure happened
 * @param validUntil when the current value stops working by itself (a lease's expiry), if it does
 * @param servingFallback whether the value in force is a fallback's ({@link SecretSource#withFallback}),
 *     served while the primary has none
 */
public record SourceStatus(
        String name,
        boolean hasValue,
        Optional<Instant> lastSuccess,
        Optional<String> lastError,
        Optional<Instant> lastErrorAt,
        Optional<Instant> validUntil,
        boolean servingFallback) {

    /** The status of a source that is not serving a fallback. */
    public SourceStatus(
            String name,
            boolean hasValue,
            Optional<Instant> lastSuccess,
            Optional<String> lastError,
            Optional<Instant> lastErrorAt,
            Optional<Instant> validUntil) {
        this(name, hasValue, lastSuccess, lastError, lastErrorAt, validUntil, false);
    }

    public SourceStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(lastSuccess, "lastSuccess");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(lastErrorAt, "lastErrorAt");
        Objects.requireNonNull(validUntil, "validUntil");
    }

    /** True when the most recent attempt to refresh failed, so the value may be out of date. */
    public boolean stale() {
        return lastError.isPresent();
    }

    /** True when the source has a value that has not expired at {@code now}. */
    public boolean usableAt(Instant now) {
        return hasValue && validUntil.map(now::isBefore).orElse(true);
    }
}

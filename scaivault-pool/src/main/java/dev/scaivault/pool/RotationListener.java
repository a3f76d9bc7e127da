package dev.scaivault.pool;

import java.time.Duration;
import java.time.Instant;

/**
 * Hears what a pool binding ({@link PoolBinding}, or an adapter's own binding built on it) does, for
 * metrics and logs (the Spring starter binds it to Micrometer). Arguments never hold a secret: credentials appear by their {@linkplain
 * dev.scaivault.source.Credentials#origin() origin} only. Methods are called on the binding's own thread, except
 * {@link #onAuthFailureBridged} and usually {@link #onNewCredentialsInUse}, which run on the thread
 * that opens the pool's connection; they must return quickly, and an exception thrown here is logged and ignored.
 */
public interface RotationListener {

    /** New credentials were set on the pool and its connections were retired. */
    default void onRotation(String previousOrigin, String origin, Instant at) {}

    /** The first physical connection with the credentials of {@code origin} was opened. */
    default void onNewCredentialsInUse(String origin, Duration sinceSourceChange) {}

    /**
     * No connection uses the credentials of {@code previousOrigin} any more (or {@code maxDrainTime} ran
     * out), and the source was told so.
     */
    default void onHandOff(String previousOrigin, Duration drainTime, boolean timedOut) {}

    /**
     * A new physical connection failed authentication and the binding asked the source for fresher
     * credentials; {@code recovered} says whether it got working ones within the budget.
     */
    default void onAuthFailureBridged(String failure, boolean recovered) {}

    /** Validating the credentials of {@code origin} failed; the pool keeps its current ones meanwhile. */
    default void onValidationFailed(String origin, int attempt, String failure) {}
}

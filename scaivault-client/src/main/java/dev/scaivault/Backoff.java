package dev.scaivault;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * The one retry back-off of this library, for every schedule it keeps: HTTP retries, lease renewals and
 * their successors, revocations, secret re-reads, file re-reads and the pool's wait for fresher
 * credentials. Before attempt {@code n} it waits a random time in {@code [0, ceiling(n)]} ("full jitter",
 * so retries of many clients spread instead of coming back together), where the ceiling doubles from
 * {@code initial} up to {@code max} (resilience4j's exponential {@link IntervalFunction}); never less than
 * {@value #MIN_DELAY_MILLIS} ms, and never sooner than a {@code Retry-After} the failure carries (plus up to a
 * tenth of it and 100 ms of jitter: every pod of an identity was told the same instant).
 *
 * <p>Immutable. A caller may shorten a wait further (a lease never waits past half of its remaining life);
 * nothing here lengthens one beyond {@code max} except a server's {@code Retry-After}.
 */
public final class Backoff {
    static final long MIN_DELAY_MILLIS = 10;
    private static final Duration MIN_DELAY = Duration.ofMillis(MIN_DELAY_MILLIS);

    private final Duration initial;
    private final Duration max;
    private final IntervalFunction ceiling;
    private final RandomGenerator random;

    private Backoff(Duration initial, Duration max, RandomGenerator random) {
        this.initial = initial;
        this.max = max;
        // resilience4j counts in whole milliseconds, from 1.
        this.ceiling = IntervalFunction.ofExponentialBackoff(
                Math.max(1, initial.toMillis()), 2.0, Math.max(1, max.toMillis()));
        this.random = random;
    }

    /**
     * Doubling from {@code initial} to {@code max}.
     *
     * @throws IllegalArgumentException if {@code initial} is not positive or {@code max} is shorter
     */
    public static Backoff exponential(Duration initial, Duration max) {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(
                    "back-off from " + initial + " to " + max + ": initial must be positive and max at least initial");
        }
        return new Backoff(initial, max, null);
    }

    /** The same back-off drawing its jitter from {@code random}: a seeded one makes a schedule reproducible. */
    public Backoff withRandom(RandomGenerator random) {
        return new Backoff(initial, max, Objects.requireNonNull(random, "random"));
    }

    /** The first ceiling. */
    public Duration initial() {
        return initial;
    }

    /** The largest ceiling. */
    public Duration max() {
        return max;
    }

    /**
     * The wait before attempt {@code attempt + 1}, after {@code attempt} failures.
     *
     * @param attempt 1 after the first failure
     */
    public Duration delay(int attempt) {
        long ceilingMillis = ceiling.apply(Math.max(1, Math.min(attempt, 62)));
        long d = (long) (ceilingMillis * random().nextDouble());
        return Duration.ofMillis(Math.max(MIN_DELAY_MILLIS, d));
    }

    /** {@link #delay(int)}, but not sooner than the {@code Retry-After} that {@code failure} carries, if any. */
    public Duration delay(int attempt, Throwable failure) {
        return notBeforeRetryAfter(delay(attempt), failure);
    }

    /**
     * {@code delay}, or later: never sooner than the {@code Retry-After} of {@code failure} (a {@link
     * ScaiVaultApiException} answered with one) plus its jitter. The one place {@code Retry-After} is honoured.
     */
    public Duration notBeforeRetryAfter(Duration delay, Throwable failure) {
        Duration retryAfter = retryAfter(failure);
        if (retryAfter == null) {
            return delay;
        }
        long spread = retryAfter.toMillis() / 10 + 100;
        Duration floor = retryAfter.plusMillis((long) (spread * random().nextDouble()));
        return floor.compareTo(delay) > 0 ? floor : delay;
    }

    /**
     * Calls {@code call} and, while it fails with something {@code retryable} accepts, calls it again after
     * this back-off (each wait passed through {@code shorten}, which may cut it), at most {@code maxAttempts}
     * times in all. The waits are timers on {@code scheduler}, no thread sleeps: resilience4j's asynchronous
     * retry. The stage completes with the first success or the last failure.
     */
    public <T> CompletionStage<T> retry(
            String name,
            ScheduledExecutorService scheduler,
            int maxAttempts,
            Predicate<Throwable> retryable,
            UnaryOperator<Duration> shorten,
            Supplier<CompletionStage<T>> call) {
        RetryConfig config = RetryConfig.<T>custom()
                .maxAttempts(maxAttempts)
                .retryOnException(t -> retryable.test(unwrap(t)))
                .intervalBiFunction((attempt, outcome) -> {
                    Throwable failure = outcome.isLeft() ? unwrap(outcome.getLeft()) : null;
                    return notBeforeRetryAfter(shorten.apply(delay(attempt)), failure)
                            .toMillis();
                })
                .failAfterMaxAttempts(false)
                .build();
        return Retry.of(name, config).executeCompletionStage(scheduler, call);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static Duration retryAfter(Throwable failure) {
        return failure instanceof ScaiVaultApiException a ? a.retryAfter().orElse(null) : null;
    }

    private RandomGenerator random() {
        return random != null ? random : ThreadLocalRandom.current();
    }

    @Override
    public String toString() {
        return "Backoff{" + initial + " doubling to " + max + ", full jitter, at least " + MIN_DELAY + '}';
    }
}

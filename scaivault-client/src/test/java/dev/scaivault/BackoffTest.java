package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scaivault.testkit.ManualTime;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff =
            Backoff.exponential(Duration.ofMillis(200), Duration.ofSeconds(10)).withRandom(new Random(1));

    @Test
    void eachWaitIsFullJitterUnderACeilingThatDoublesUpToTheMaxAndNeverUnderTenMillis() {
        for (int attempt = 1; attempt <= 12; attempt++) {
            long ceiling = Math.min(10_000, 200L << (attempt - 1));
            long min = Long.MAX_VALUE;
            long max = 0;
            for (int i = 0; i < 2000; i++) {
                long d = backoff.delay(attempt).toMillis();
                assertThat(d).isBetween(10L, ceiling);
                min = Math.min(min, d);
                max = Math.max(max, d);
            }
            assertThat(max).isGreaterThan(ceiling * 95 / 100);
            assertThat(min).isLessThan(Math.max(11, ceiling * 5 / 100));
        }
        assertThat(backoff.delay(Integer.MAX_VALUE)).isLessThanOrEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aRetryAfterIsAFloorWithAJitterOfATenthAndAHundredMillis() {
        ScaiVaultApiException limited = new ScaiVaultApiException(
                "read secret a: HTTP 429 rate_limited", 429, "rate_limited", "req_1", Duration.ofSeconds(30));
        for (int i = 0; i < 500; i++) {
            Duration d = backoff.delay(1, limited);
            assertThat(d).isBetween(Duration.ofSeconds(30), Duration.ofMillis(30_000 + 3_000 + 100));
        }
        // A longer wait of the back-off itself stands.
        assertThat(backoff.notBeforeRetryAfter(Duration.ofMinutes(2), limited)).isEqualTo(Duration.ofMinutes(2));
        // Without a Retry-After, nothing changes.
        assertThat(backoff.notBeforeRetryAfter(Duration.ofMillis(7), new IllegalStateException()))
                .isEqualTo(Duration.ofMillis(7));
    }

    @Test
    void theAsynchronousRetryWaitsOnTheGivenSchedulerAndStopsAtTheFirstSuccess() throws Exception {
        ManualTime time = new ManualTime();
        AtomicInteger calls = new AtomicInteger();
        List<Duration> at = new CopyOnWriteArrayList<>();
        java.time.Instant start = time.now();
        CompletionStage<String> result = backoff.retry("test", time, 10, e -> true, UnaryOperator.identity(), () -> {
            at.add(Duration.between(start, time.now()));
            return calls.incrementAndGet() < 4
                    ? CompletableFuture.failedFuture(new ScaiVaultIoException("refused", false, null))
                    : CompletableFuture.completedFuture("done");
        });
        assertThat(result.toCompletableFuture()).isNotDone();
        time.advance(Duration.ofSeconds(30)); // virtual: no thread sleeps through the waits
        assertThat(result.toCompletableFuture().get(1, TimeUnit.SECONDS)).isEqualTo("done");
        assertThat(calls).hasValue(4);
        assertThat(at.get(1)).isPositive();
        assertThat(at.get(3)).isLessThanOrEqualTo(Duration.ofMillis(200 + 400 + 800));
    }

    @Test
    void theAsynchronousRetryEndsWithTheLastFailureWhenTheCallerSaysStop() {
        ManualTime time = new ManualTime();
        AtomicInteger calls = new AtomicInteger();
        CompletionStage<String> result = backoff.retry("test", time, 10, e -> calls.get() < 2, d -> d, () -> {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException("no " + calls.get()));
        });
        time.advance(Duration.ofMinutes(1));
        assertThat(result.toCompletableFuture()).isCompletedExceptionally();
        assertThatThrownBy(() -> result.toCompletableFuture().join()).hasMessageContaining("no 2");
        assertThat(calls).hasValue(2);
    }

    @Test
    void badBoundsAreNamed() {
        assertThatThrownBy(() -> Backoff.exponential(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("initial must be positive");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("max at least initial");
    }
}

package dev.scaivault.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scaivault.Backoff;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LeaseTimingTest {
    private final Random random = new Random(1);

    @Test
    void graceIsTenToTwentyPercentOfTheShorterOfGrantAndIncrement() {
        Duration hour = Duration.ofHours(1);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 10_000; i++) {
            long g = LeaseSchedule.grace(hour, null, random).toMillis();
            min = Math.min(min, g);
            max = Math.max(max, g);
        }
        assertThat(min).isGreaterThanOrEqualTo(360_000).isLessThan(362_000);
        assertThat(max).isLessThan(720_000).isGreaterThan(718_000);

        Duration g = LeaseSchedule.grace(hour, Duration.ofMinutes(10), random);
        assertThat(g).isBetween(Duration.ofSeconds(60), Duration.ofSeconds(120));
        // An increment longer than the grant does not widen the grace.
        assertThat(LeaseSchedule.grace(Duration.ofSeconds(4), hour, random))
                .isBetween(Duration.ofMillis(400), Duration.ofMillis(800));
    }

    @Test
    void renewDelayIsTwoThirdsOfRemainingPlusAThirdOfGrace() {
        assertThat(LeaseSchedule.renewDelay(Duration.ofSeconds(3600), Duration.ofSeconds(600)))
                .isEqualTo(Duration.ofSeconds(2600));
        assertThat(LeaseSchedule.renewDelay(Duration.ofSeconds(3), Duration.ofMillis(600)))
                .isEqualTo(Duration.ofMillis(2200));
        assertThat(LeaseSchedule.renewDelay(Duration.ZERO, Duration.ZERO)).isEqualTo(Duration.ZERO);
    }

    @Test
    void renewalLandsBeforeTheDefaultRotatePointWhateverTheGrace() {
        // With remaining = D and grace <= 20 % D, 2/3 D + 1/15 D leaves 26.7 % > 20 %: a lease that renews in
        // full is never rotated by the threshold; only a capped or failing one is.
        Duration d = Duration.ofHours(1);
        Duration worst = LeaseSchedule.renewDelay(d, LeaseSchedule.scale(d, 0.2));
        assertThat(d.minus(worst)).isGreaterThan(LeaseSchedule.scale(d, 0.2));
    }

    @Test
    void backoffScalesWithTheLease() {
        assertThat(LeaseSchedule.initialBackoff(Duration.ofHours(1))).isEqualTo(Duration.ofSeconds(10));
        assertThat(LeaseSchedule.initialBackoff(Duration.ofMinutes(1))).isEqualTo(Duration.ofMillis(1500));
        assertThat(LeaseSchedule.initialBackoff(Duration.ofSeconds(4))).isEqualTo(Duration.ofMillis(100));
        assertThat(LeaseSchedule.initialBackoff(Duration.ofMillis(100))).isEqualTo(Duration.ofMillis(50));
        assertThat(LeaseSchedule.maxBackoff(Duration.ofHours(1))).isEqualTo(Duration.ofMinutes(5));
        assertThat(LeaseSchedule.maxBackoff(Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(1));
        assertThat(LeaseSchedule.maxBackoff(Duration.ofMillis(100))).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void backoffIsFullJitterUnderADoublingCeilingWithACap() {
        Duration initial = Duration.ofSeconds(10);
        Duration cap = Duration.ofMinutes(5);
        for (int attempt = 1; attempt <= 12; attempt++) {
            long ceiling = Math.min(cap.toMillis(), initial.toMillis() << (attempt - 1));
            long max = 0;
            long min = Long.MAX_VALUE;
            for (int i = 0; i < 2000; i++) {
                long d = Backoff.exponential(initial, cap)
                        .withRandom(random)
                        .delay(attempt)
                        .toMillis();
                assertThat(d).isBetween(LeaseSchedule.MIN_DELAY.toMillis(), ceiling);
                max = Math.max(max, d);
                min = Math.min(min, d);
            }
            // Full jitter: the whole range is used, from almost nothing to the ceiling.
            assertThat(max).isGreaterThan(ceiling * 95 / 100);
            assertThat(min).isLessThan(ceiling * 5 / 100);
        }
        assertThat(Backoff.exponential(initial, cap).withRandom(random).delay(1_000))
                .isLessThanOrEqualTo(cap);
    }

    @Test
    void aRetryNeverWaitsPastHalfOfWhatIsLeft() {
        assertThat(LeaseSchedule.withinRemaining(Duration.ofMinutes(5), Duration.ofMinutes(4)))
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(LeaseSchedule.withinRemaining(Duration.ofSeconds(1), Duration.ofMinutes(4)))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(LeaseSchedule.withinRemaining(Duration.ofSeconds(1), Duration.ZERO))
                .isEqualTo(LeaseSchedule.MIN_DELAY);
    }
}

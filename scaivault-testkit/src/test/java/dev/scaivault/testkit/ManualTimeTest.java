package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class ManualTimeTest {
    final ManualTime time = new ManualTime(Instant.parse("2026-12-01T00:00:00Z"));
    final List<String> ran = new CopyOnWriteArrayList<>();

    @Test
    void advancingRunsWhatFallsDueInTimeOrderWithTheClockAtEachTasksInstant() {
        time.schedule(() -> ran.add("b@" + time.now()), 2, TimeUnit.SECONDS);
        time.schedule(() -> ran.add("a@" + time.now()), 1, TimeUnit.SECONDS);
        time.schedule(() -> ran.add("c@" + time.now()), 3, TimeUnit.SECONDS);
        time.advance(Duration.ofMillis(2500));
        assertThat(ran).containsExactly("a@2026-12-01T00:00:01Z", "b@2026-12-01T00:00:02Z");
        assertThat(time.now()).isEqualTo(Instant.parse("2026-12-01T00:00:02.500Z"));
        assertThat(time.pending()).isEqualTo(1);
    }

    @Test
    void handedOverWorkRunsAtTheNextAdvanceNeverOnTheCallingThread() {
        time.execute(() -> ran.add("work"));
        assertThat(ran).isEmpty();
        time.runDue();
        assertThat(ran).containsExactly("work");
    }

    @Test
    void waitingForATaskMovesTheClockToIt() throws Exception {
        ScheduledFuture<String> f = time.schedule(() -> "done", 10, TimeUnit.MINUTES);
        assertThat(f.get()).isEqualTo("done");
        assertThat(time.now()).isEqualTo(Instant.parse("2026-12-01T00:10:00Z"));
        assertThat(time.waits()).containsExactly(Duration.ofMinutes(10));
        ScheduledFuture<String> g = time.schedule(() -> "later", 1, TimeUnit.HOURS);
        assertThatThrownBy(() -> g.get(1, TimeUnit.MINUTES)).isInstanceOf(TimeoutException.class);
        assertThat(time.now()).isEqualTo(Instant.parse("2026-12-01T00:11:00Z"));
    }

    @Test
    void aCancelledTaskNeverRunsAndSkippingLeavesTasksForTheNextAdvance() {
        time.schedule(() -> ran.add("cancelled"), 1, TimeUnit.SECONDS).cancel(false);
        time.schedule(() -> ran.add("late"), 1, TimeUnit.SECONDS);
        time.skip(Duration.ofMinutes(1));
        assertThat(ran).isEmpty();
        time.runDue();
        assertThat(ran).containsExactly("late");
    }

    @Test
    void aPeriodicTaskRepeatsUntilCancelled() {
        ScheduledFuture<?> f = time.scheduleAtFixedRate(() -> ran.add("tick"), 1, 1, TimeUnit.SECONDS);
        time.advance(Duration.ofSeconds(3));
        f.cancel(false);
        time.advance(Duration.ofSeconds(3));
        assertThat(ran).hasSize(3);
    }
}

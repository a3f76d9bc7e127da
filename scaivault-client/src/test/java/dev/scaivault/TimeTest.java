package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.scaivault.testkit.ManualTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class TimeTest {
    @Test
    void onTheSystemTimeATimerHandsItsWorkToAnIoThreadAndAFailureDoesNotEndIt() {
        List<String> threads = new CopyOnWriteArrayList<>();
        Time.system().schedule(Duration.ZERO, () -> {
            threads.add(Thread.currentThread().getName());
            throw new AssertionError("a task's own failure");
        });
        Time.system()
                .schedule(
                        Duration.ofMillis(5),
                        () -> threads.add(Thread.currentThread().getName()));
        await().until(() -> threads.size() == 2);
        assertThat(threads).allSatisfy(n -> assertThat(n).startsWith("scaivault-io-"));
    }

    @Test
    void onVirtualTimeTimersAndBlockingWorkRunWhenTimeMovesAndASleepMovesIt() throws Exception {
        ManualTime manual = new ManualTime();
        Time time = Time.of(manual, manual);
        List<String> ran = new CopyOnWriteArrayList<>();
        time.schedule(Duration.ofMinutes(5), () -> ran.add("timer"));
        time.io().execute(() -> ran.add("work"));
        assertThat(ran).isEmpty();
        manual.runDue();
        assertThat(ran).containsExactly("work");
        time.sleep(Duration.ofMinutes(10)); // the waiting thread moves virtual time
        assertThat(ran).containsExactly("work", "timer");
        assertThat(manual.waits()).containsExactly(Duration.ofMinutes(10));
    }

    @Test
    void threadsAreDaemonsNamedScaivault() {
        Thread t = Time.daemons("scaivault-test").newThread(() -> {});
        assertThat(t.isDaemon()).isTrue();
        assertThat(t.getName()).isEqualTo("scaivault-test-1");
        assertThatThrownBy(() -> Time.daemons("other")).hasMessageContaining("scaivault-");
    }
}

package dev.scaivault.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.scaivault.SecretUnavailableException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AbstractSecretSourceTest {

    static final class Manual extends AbstractSecretSource<Credentials> {
        Manual() {
            super("test:manual", Clock.systemUTC());
        }

        CompletableFuture<Void> set(String user, String password) {
            return publish(Credentials.of(user, password, "manual"));
        }

        void fail(String message) {
            recordFailure(message);
        }

        @Override
        public CompletableFuture<Credentials> refreshNow() {
            return CompletableFuture.completedFuture(current());
        }
    }

    @Test
    void currentWithoutValueNamesTheSourceAndLastError() {
        try (Manual s = new Manual()) {
            s.fail("file /x: not a JSON object");
            assertThatThrownBy(s::current)
                    .isInstanceOf(SecretUnavailableException.class)
                    .hasMessageContaining("test:manual")
                    .hasMessageContaining("not a JSON object");
            assertThat(s.status().hasValue()).isFalse();
            assertThat(s.status().stale()).isTrue();
        }
    }

    @Test
    void subscriberFirstGetsCurrentValueThenEveryChangeInOrder() {
        try (Manual s = new Manual()) {
            s.set("u", "p0");
            List<String> seen = new CopyOnWriteArrayList<>();
            s.subscribe(c -> seen.add((c.previous() == null ? "-" : c.previous().password()) + ">"
                    + c.current().password()));
            for (int i = 1; i <= 200; i++) {
                s.set("u", "p" + i);
            }
            await().until(() -> seen.size() == 201);
            assertThat(seen.get(0)).isEqualTo("->p0");
            for (int i = 1; i <= 200; i++) {
                assertThat(seen.get(i)).isEqualTo("p" + (i - 1) + ">p" + i);
            }
        }
    }

    @Test
    void listenersRunOffThePublishingThreadAndOneAtATime() throws Exception {
        try (Manual s = new Manual()) {
            AtomicReference<Thread> listenerThread = new AtomicReference<>();
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            List<String> seen = new CopyOnWriteArrayList<>();
            s.subscribe(c -> {
                listenerThread.set(Thread.currentThread());
                seen.add(c.current().password());
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            s.set("u", "a");
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            s.set("u", "b");
            // The second change waits for the first listener call to return.
            assertThat(seen).containsExactly("a");
            release.countDown();
            await().until(() -> seen.size() == 2);
            assertThat(listenerThread.get()).isNotSameAs(Thread.currentThread());
            assertThat(listenerThread.get().getName()).startsWith("scaivault-dispatch-");
            assertThat(listenerThread.get().isDaemon()).isTrue();
        }
    }

    @Test
    void handOffCompletesOnlyWhenEveryDeferringListenerReleases() {
        try (Manual s = new Manual()) {
            s.set("u", "old");
            List<HandOff> held = new CopyOnWriteArrayList<>();
            s.subscribe(c -> {
                if (c.previous() != null) {
                    held.add(c.deferHandOff());
                }
            });
            s.subscribe(c -> {
                if (c.previous() != null) {
                    held.add(c.deferHandOff());
                }
            });
            s.subscribe(c -> {}); // does not defer: hands off on return
            CompletableFuture<Void> handOff = s.set("u", "new");
            await().until(() -> held.size() == 2);
            assertThat(handOff).isNotDone();
            held.get(0).complete();
            held.get(0).complete(); // idempotent
            assertThat(handOff).isNotDone();
            held.get(1).complete();
            assertThat(handOff).isDone();
        }
    }

    @Test
    void failingListenerDoesNotBlockOthersNorTheHandOff() {
        try (Manual s = new Manual()) {
            s.set("u", "old");
            List<String> seen = new CopyOnWriteArrayList<>();
            s.subscribe(c -> {
                c.deferHandOff();
                throw new IllegalStateException("boom");
            });
            s.subscribe(c -> seen.add(c.current().password()));
            CompletableFuture<Void> handOff = s.set("u", "new");
            await().until(handOff::isDone);
            assertThat(seen).containsExactly("old", "new");
        }
    }

    @Test
    void noListenersMeansImmediateHandOff() {
        try (Manual s = new Manual()) {
            s.set("u", "a");
            CompletableFuture<Void> handOff = s.set("u", "b");
            await().until(handOff::isDone);
            assertThat(s.current().password()).isEqualTo("b");
        }
    }

    @Test
    void unsubscribedListenerGetsNoMoreChanges() {
        try (Manual s = new Manual()) {
            List<String> seen = new CopyOnWriteArrayList<>();
            Registration sub = s.subscribe(c -> seen.add(c.current().password()));
            s.set("u", "a");
            await().until(() -> seen.size() == 1);
            sub.close();
            List<String> marker = new CopyOnWriteArrayList<>();
            s.subscribe(c -> marker.add(c.current().password()));
            s.set("u", "b");
            await().until(() -> marker.contains("b"));
            assertThat(seen).containsExactly("a");
        }
    }

    @Test
    void closedSourceRefusesCurrentAndToStringNeverShowsThePassword() {
        Manual s = new Manual();
        s.set("alice", "s3cr3t-value");
        assertThat(s.current().toString()).contains("alice").doesNotContain("s3cr3t-value");
        assertThat(s.status().toString()).doesNotContain("s3cr3t-value");
        s.close();
        assertThatThrownBy(s::current).hasMessageContaining("closed");
    }

    @Test
    void aListenerThatThrowsAnErrorNeitherStarvesTheOthersNorHoldsTheHandOff() throws Exception {
        try (Manual s = new Manual()) {
            s.set("u", "p0");
            List<String> seen = new CopyOnWriteArrayList<>();
            s.subscribe(c -> {
                if (c.previous() != null) {
                    c.deferHandOff();
                    throw new AssertionError("a consumer's own check failed");
                }
            });
            s.subscribe(c -> seen.add(c.current().password()));
            CompletableFuture<Void> handOff = s.set("u", "p1");
            // Was: the AssertionError ended the dispatch task, the second listener never saw p1 and the
            // deferred hand-off stayed open, so the previous value (a lease) was never retired.
            handOff.get(10, TimeUnit.SECONDS);
            await().until(() -> seen.contains("p1"));
            s.set("u", "p2").get(10, TimeUnit.SECONDS);
            await().until(() -> seen.contains("p2"));
        }
    }
}

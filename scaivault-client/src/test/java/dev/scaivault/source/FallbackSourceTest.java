package dev.scaivault.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.testkit.leak.LeakCheck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class FallbackSourceTest {
    private static final Credentials LEASED =
            Credentials.of("v-app-1", "lease-pw-0c5e7a91", "lease lease_1", Instant.parse("2030-01-01T00:00:00Z"));
    private static final Credentials LEASED_2 =
            Credentials.of("v-app-2", "lease-pw-2b8d44f0", "lease lease_2", Instant.parse("2030-01-02T00:00:00Z"));
    private static final Credentials BREAK_GLASS = Credentials.of("app", "glass-pw-71fe93c2", "file /x sha256:1");
    private static final Credentials BREAK_GLASS_2 = Credentials.of("app", "glass-pw-5a0b6d18", "file /x sha256:2");
    private static final String PRIMARY_ERROR =
            "lease:postgres/app: could not generate credentials for engine 'postgres' role 'app': connection refused";

    private final Logger logger = (Logger) LoggerFactory.getLogger(FallbackSource.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    /** A source set by hand; its refreshNow does what the test says. */
    static final class Fake extends AbstractSecretSource<Credentials> {
        volatile Supplier<CompletableFuture<Credentials>> refresh =
                () -> CompletableFuture.failedFuture(new SecretUnavailableException("no refresh"));
        volatile boolean closedByOwner;

        Fake(String name) {
            super(name, Clock.systemUTC());
        }

        CompletableFuture<Void> set(Credentials c) {
            return publish(c);
        }

        void fail(String message) {
            recordFailure(message);
        }

        @Override
        public CompletableFuture<Credentials> refreshNow() {
            return refresh.get();
        }

        @Override
        public void close() {
            closedByOwner = true;
            super.close();
        }
    }

    /** Records every change and keeps each hand-off until the test completes it. */
    static final class Holder implements SecretListener<Credentials> {
        final List<SecretChange<? extends Credentials>> changes = new CopyOnWriteArrayList<>();
        final List<HandOff> handOffs = new CopyOnWriteArrayList<>();

        @Override
        public void onChange(SecretChange<? extends Credentials> change) {
            changes.add(change);
            handOffs.add(change.deferHandOff());
        }

        List<Credentials> values() {
            List<Credentials> v = new ArrayList<>();
            changes.forEach(c -> v.add(c.current()));
            return v;
        }

        void handOffAll() {
            handOffs.forEach(HandOff::complete);
        }
    }

    private final Fake primary = new Fake("lease:postgres/app");
    private final Fake fallback = new Fake("file:/run/secrets/db");

    @BeforeEach
    void capture() {
        LeakCheck.secret(LEASED.password(), LEASED_2.password(), BREAK_GLASS.password(), BREAK_GLASS_2.password());
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logs);
        primary.close();
        fallback.close();
    }

    private FallbackSource<Credentials> onFallback() {
        primary.fail(PRIMARY_ERROR);
        fallback.set(BREAK_GLASS);
        return FallbackSource.of(primary, fallback);
    }

    @Test
    void primaryWithAValueIsUsedAndTheFallbackIsClosedAtOnce() {
        primary.set(LEASED);
        fallback.set(BREAK_GLASS);
        try (FallbackSource<Credentials> s = FallbackSource.of(primary, fallback)) {
            assertThat(s.current()).isSameAs(LEASED);
            assertThat(s.servingFallback()).isFalse();
            assertThat(fallback.closedByOwner).isTrue();
            assertThat(s.status().stale()).isFalse();
            assertThat(s.status().validUntil()).contains(LEASED.expiresAt().orElseThrow());
            assertThat(logs.list).noneMatch(e -> e.getLevel() == Level.WARN);
            // The primary's later changes are followed.
            Holder h = new Holder();
            s.subscribe(h);
            primary.set(LEASED_2);
            await().atMost(Duration.ofSeconds(5)).until(() -> h.values().equals(List.of(LEASED, LEASED_2)));
        }
    }

    @Test
    void withoutPrimaryValueTheFallbackIsServedWithOneWarningNamingBothSources() {
        try (FallbackSource<Credentials> s = onFallback()) {
            assertThat(s.current()).isSameAs(BREAK_GLASS);
            assertThat(s.servingFallback()).isTrue();
            assertThat(s.name()).isEqualTo("fallback(lease:postgres/app | file:/run/secrets/db)");
            assertThat(fallback.closedByOwner).isFalse();
            List<ILoggingEvent> warnings =
                    logs.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
            assertThat(warnings).hasSize(1);
            assertThat(warnings.get(0).getFormattedMessage())
                    .contains("lease:postgres/app", "file:/run/secrets/db", "connection refused");
        }
    }

    @Test
    void whileOnTheFallbackStatusIsStaleAndSaysSo() {
        try (FallbackSource<Credentials> s = onFallback()) {
            SourceStatus st = s.status();
            assertThat(st.name()).isEqualTo(s.name());
            assertThat(st.hasValue()).isTrue();
            assertThat(st.stale()).isTrue();
            assertThat(st.lastError())
                    .contains("serving fallback file:/run/secrets/db: lease:postgres/app has no value yet: "
                            + PRIMARY_ERROR);
            assertThat(st.lastErrorAt()).isPresent();
            assertThat(st.validUntil()).isEmpty();
            LeakCheck.assertNoSecretIn(st, s);
        }
    }

    @Test
    void fallbackChangesAreForwardedWhileThePrimaryHasNoValue() {
        try (FallbackSource<Credentials> s = onFallback()) {
            Holder h = new Holder();
            s.subscribe(h);
            CompletableFuture<Void> fallbackHandOff = fallback.set(BREAK_GLASS_2);
            await().atMost(Duration.ofSeconds(5)).until(() -> h.changes.size() == 2);
            assertThat(h.changes.get(1).previous()).isSameAs(BREAK_GLASS);
            assertThat(h.changes.get(1).current()).isSameAs(BREAK_GLASS_2);
            assertThat(s.current()).isSameAs(BREAK_GLASS_2);
            // Hand-off passes through: the fallback keeps its old value until our listener lets go.
            assertThat(fallbackHandOff).isNotDone();
            h.handOffs.get(1).complete();
            await().atMost(Duration.ofSeconds(5)).until(fallbackHandOff::isDone);
        }
    }

    @Test
    void neitherValueFailsClosedNamingBothSourcesAndReasonsAndClosesBoth() {
        primary.fail(PRIMARY_ERROR);
        fallback.fail("file /run/secrets/db: not found");
        assertThatThrownBy(() -> FallbackSource.of(primary, fallback))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("primary lease:postgres/app: " + PRIMARY_ERROR)
                .hasMessageContaining("fallback file:/run/secrets/db: file /run/secrets/db: not found")
                .satisfies(LeakCheck::assertNoSecretIn);
        assertThat(primary.closedByOwner).isTrue();
        assertThat(fallback.closedByOwner).isTrue();
    }

    @Test
    void thePrimarysFirstValueReplacesTheFallbackWhichClosesAfterTheHandOff() {
        try (FallbackSource<Credentials> s = onFallback()) {
            Holder h = new Holder();
            s.subscribe(h);
            await().atMost(Duration.ofSeconds(5)).until(() -> h.changes.size() == 1);
            CompletableFuture<Void> primaryHandOff = primary.set(LEASED);
            await().atMost(Duration.ofSeconds(5)).until(() -> h.changes.size() == 2);
            assertThat(h.changes.get(1).previous()).isSameAs(BREAK_GLASS);
            assertThat(h.changes.get(1).current()).isSameAs(LEASED);
            assertThat(s.current()).isSameAs(LEASED);
            assertThat(s.servingFallback()).isFalse();
            assertThat(s.status().stale()).isFalse();
            assertThat(s.status().validUntil()).contains(LEASED.expiresAt().orElseThrow());
            // Our listener still uses the fallback's credentials: it stays open, and so does the hand-off.
            assertThat(fallback.closedByOwner).isFalse();
            assertThat(primaryHandOff).isNotDone();
            h.handOffs.get(1).complete();
            await().atMost(Duration.ofSeconds(5)).until(() -> fallback.closedByOwner && primaryHandOff.isDone());
            assertThat(logs.list)
                    .anyMatch(e -> e.getLevel() == Level.INFO
                            && e.getFormattedMessage().contains("leaving fallback file:/run/secrets/db"));
        }
    }

    @Test
    void afterTheSwitchOnlyThePrimaryIsFollowedAndLateFallbackChangesAreIgnored() {
        try (FallbackSource<Credentials> s = onFallback()) {
            Holder h = new Holder();
            s.subscribe(h);
            primary.set(LEASED);
            await().atMost(Duration.ofSeconds(5)).until(() -> h.changes.size() == 2);
            // A fallback change that arrives after the switch (the subscription ends asynchronously).
            CompletableFuture<Void> lateHandOff = fallback.set(BREAK_GLASS_2);
            primary.set(LEASED_2);
            await().atMost(Duration.ofSeconds(5)).until(() -> h.changes.size() == 3);
            assertThat(h.values()).containsExactly(BREAK_GLASS, LEASED, LEASED_2);
            assertThat(s.current()).isSameAs(LEASED_2);
            // The late change's predecessor is what our listener still holds: released with the fallback.
            assertThat(lateHandOff).isNotDone();
            h.handOffs.get(1).complete();
            await().atMost(Duration.ofSeconds(5)).until(lateHandOff::isDone);
            // The primary going stale later does not bring the fallback back.
            primary.fail("lease:postgres/app: renewal failed: connection refused");
            assertThat(s.current()).isSameAs(LEASED_2);
            assertThat(s.status().lastError()).contains("lease:postgres/app: renewal failed: connection refused");
            assertThat(s.servingFallback()).isFalse();
        }
    }

    @Test
    void primaryChangesPassTheirHandOffThrough() {
        primary.set(LEASED);
        try (FallbackSource<Credentials> s = FallbackSource.of(primary, fallback)) {
            Holder h = new Holder();
            s.subscribe(h);
            await().atMost(Duration.ofSeconds(5)).until(() -> h.changes.size() == 1);
            CompletableFuture<Void> handOff = primary.set(LEASED_2);
            await().atMost(Duration.ofSeconds(5)).until(() -> h.changes.size() == 2);
            assertThat(handOff).isNotDone();
            h.handOffs.get(1).complete();
            await().atMost(Duration.ofSeconds(5)).until(handOff::isDone);
        }
    }

    @Test
    void aLateFallbackChangeRacingTheSwitchIsNeverDeliveredAfterThePrimary() throws Exception {
        for (int round = 0; round < 20; round++) {
            Fake p = new Fake("lease:postgres/app");
            Fake f = new Fake("file:/run/secrets/db");
            p.fail(PRIMARY_ERROR);
            f.set(BREAK_GLASS);
            try (FallbackSource<Credentials> s = FallbackSource.of(p, f)) {
                List<Credentials> seen = new CopyOnWriteArrayList<>();
                s.subscribe(c -> seen.add(c.current()));
                Thread writer = new Thread(() -> {
                    for (int i = 0; i < 200; i++) {
                        f.set(i % 2 == 0 ? BREAK_GLASS_2 : BREAK_GLASS);
                    }
                });
                writer.start();
                p.set(LEASED);
                writer.join(TimeUnit.SECONDS.toMillis(10));
                await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(LEASED));
                // A refresh completes after our own dispatch drained: nothing may have followed the lease.
                p.refresh = () -> CompletableFuture.completedFuture(LEASED);
                s.refreshNow().get(5, TimeUnit.SECONDS);
                assertThat(seen.get(seen.size() - 1)).isSameAs(LEASED);
                assertThat(seen.subList(seen.indexOf(LEASED), seen.size())).containsOnly(LEASED);
                assertThat(s.current()).isSameAs(LEASED);
            }
        }
    }

    @Test
    void refreshOnTheFallbackTriesThePrimaryFirst() throws Exception {
        try (FallbackSource<Credentials> s = onFallback()) {
            primary.refresh = () -> {
                primary.set(LEASED);
                return CompletableFuture.completedFuture(LEASED);
            };
            fallback.refresh = () -> CompletableFuture.failedFuture(new AssertionError("fallback must not be asked"));
            assertThat(s.refreshNow().get(5, TimeUnit.SECONDS)).isSameAs(LEASED);
            assertThat(s.servingFallback()).isFalse();
        }
    }

    @Test
    void refreshOnTheFallbackRereadsTheFallbackWhenThePrimaryStillFails() throws Exception {
        try (FallbackSource<Credentials> s = onFallback()) {
            primary.refresh = () -> CompletableFuture.failedFuture(new SecretUnavailableException(PRIMARY_ERROR));
            fallback.refresh = () -> {
                fallback.set(BREAK_GLASS_2);
                return CompletableFuture.completedFuture(BREAK_GLASS_2);
            };
            assertThat(s.refreshNow().get(5, TimeUnit.SECONDS)).isSameAs(BREAK_GLASS_2);
            assertThat(s.servingFallback()).isTrue();
        }
    }

    @Test
    void refreshFailingOnBothNamesBothAndKeepsTheValue() {
        try (FallbackSource<Credentials> s = onFallback()) {
            primary.refresh = () -> CompletableFuture.failedFuture(new SecretUnavailableException(PRIMARY_ERROR));
            fallback.refresh = () -> CompletableFuture.failedFuture(
                    new SecretUnavailableException("file /run/secrets/db: not a JSON object"));
            assertThatThrownBy(() -> s.refreshNow().get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(SecretUnavailableException.class)
                    .hasMessageContaining("primary lease:postgres/app: " + PRIMARY_ERROR)
                    .hasMessageContaining("fallback file:/run/secrets/db: file /run/secrets/db: not a JSON object")
                    .satisfies(LeakCheck::assertNoSecretIn);
            assertThat(s.current()).isSameAs(BREAK_GLASS);
        }
    }

    @Test
    void refreshOnThePrimaryAsksThePrimaryOnly() throws Exception {
        primary.set(LEASED);
        try (FallbackSource<Credentials> s = FallbackSource.of(primary, fallback)) {
            primary.refresh = () -> {
                primary.set(LEASED_2);
                return CompletableFuture.completedFuture(LEASED_2);
            };
            assertThat(s.refreshNow().get(5, TimeUnit.SECONDS)).isSameAs(LEASED_2);
            primary.refresh = () -> CompletableFuture.failedFuture(new SecretUnavailableException(PRIMARY_ERROR));
            assertThatThrownBy(() -> s.refreshNow().get(5, TimeUnit.SECONDS)).hasMessageContaining(PRIMARY_ERROR);
            assertThat(s.current()).isSameAs(LEASED_2);
        }
    }

    @Test
    void closeClosesBoth() {
        FallbackSource<Credentials> s = onFallback();
        s.close();
        assertThat(primary.closedByOwner).isTrue();
        assertThat(fallback.closedByOwner).isTrue();
        assertThatThrownBy(s::current).isInstanceOf(SecretUnavailableException.class);
        assertThat(s.refreshNow()).isCompletedExceptionally();
        assertThat(s.status().hasValue()).isFalse();
    }

    @Test
    void theSameSourceTwiceIsRejected() {
        assertThatThrownBy(() -> FallbackSource.of(primary, primary))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lease:postgres/app");
    }

    @Test
    void noSecretInLogsMessagesOrToString() {
        try (FallbackSource<Credentials> s = onFallback()) {
            Holder h = new Holder();
            s.subscribe(h);
            primary.set(LEASED);
            await().atMost(Duration.ofSeconds(5)).until(() -> h.changes.size() == 2);
            h.handOffAll();
            await().atMost(Duration.ofSeconds(5)).until(() -> fallback.closedByOwner);
            assertThat(logs.list).isNotEmpty();
            LeakCheck.assertNoSecretIn(s, s.status(), h.changes.get(0), h.changes.get(1));
            for (ILoggingEvent e : logs.list) {
                LeakCheck.assertNoSecretIn(e.getFormattedMessage());
            }
        }
    }
}

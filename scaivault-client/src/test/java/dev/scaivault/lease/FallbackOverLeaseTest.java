package dev.scaivault.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.Time;
import dev.scaivault.source.AbstractSecretSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.HandOff;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.ManualTime;
import dev.scaivault.testkit.leak.LeakCheck;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A real lease keeper on virtual time as the primary, ScaiVault unreachable at startup. */
class FallbackOverLeaseTest {
    private static final Credentials BREAK_GLASS = Credentials.of("app", "glass-pw-3e1f0a9d", "file /x sha256:1");

    private final ManualTime scheduler = new ManualTime();
    private final FakeDynamicSecrets fake =
            new FakeDynamicSecrets(scheduler).ttl(Duration.ofSeconds(4), Duration.ofSeconds(12));
    private final BreakGlass fallback = new BreakGlass();
    private SecretSource<Credentials> source;

    static class BreakGlass extends AbstractSecretSource<Credentials> {
        volatile int refreshes;

        BreakGlass() {
            super("file:/run/secrets/db", Clock.systemUTC());
            publish(BREAK_GLASS);
        }

        @Override
        public CompletableFuture<Credentials> refreshNow() {
            refreshes++;
            return CompletableFuture.completedFuture(current());
        }
    }

    @AfterEach
    void close() {
        if (source != null) {
            source.close();
        }
    }

    private LeaseKeeper unreachableLease() {
        LeakCheck.secret(BREAK_GLASS.password(), FakeDynamicSecrets.passwordOf(1), FakeDynamicSecrets.passwordOf(2));
        fake.down(true);
        return (LeaseKeeper) LeaseSource.builder(fake, Time.of(scheduler, scheduler), "postgres", "app")
                .random(new Random(7))
                .startWithoutValue()
                .build();
    }

    @Test
    void startsOnTheFallbackAndTakesTheLeaseWhenTheBackgroundRetrySucceeds() {
        LeaseKeeper lease = unreachableLease();
        source = lease.withFallback(fallback);
        assertThat(source.current()).isSameAs(BREAK_GLASS);
        assertThat(source.status().lastError()).hasValueSatisfying(e -> assertThat(e)
                .startsWith("serving fallback file:/run/secrets/db: lease:postgres/app has no value yet: ")
                .contains("engine 'postgres' role 'app'", "refused"));
        List<String> seen = new CopyOnWriteArrayList<>();
        List<HandOff> handOffs = new CopyOnWriteArrayList<>();
        source.subscribe(c -> {
            seen.add(c.current().origin());
            handOffs.add(c.deferHandOff());
        });
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(source.status().servingFallback()).isTrue();
        fake.down(false);
        // Small steps: one long advance would also run the lease's renewals and rotations.
        while (!lease.status().hasValue()) {
            scheduler.advance(Duration.ofMillis(100));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
        assertThat(seen).containsExactly("file /x sha256:1", "lease lease_1");
        assertThat(source.status().stale()).isFalse();
        assertThat(source.status().validUntil()).isEqualTo(lease.status().validUntil());
        handOffs.forEach(HandOff::complete);
        await().atMost(Duration.ofSeconds(5)).until(() -> !fallback.status().hasValue());
        // Renewals and rotations of the lease keep flowing through.
        for (int i = 0; i < 60; i++) {
            scheduler.advance(Duration.ofMillis(500));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() > 2);
        assertThat(seen.subList(1, seen.size())).allMatch(o -> o.startsWith("lease "));
    }

    @Test
    void refreshOnTheFallbackGeneratesALeaseAtOnceWhenScaiVaultAnswers() throws Exception {
        LeaseKeeper lease = unreachableLease();
        source = lease.withFallback(fallback);

        CompletableFuture<Credentials> stillDown = source.refreshNow();
        scheduler.runDue();
        assertThat(stillDown.get(5, TimeUnit.SECONDS)).isSameAs(BREAK_GLASS);
        assertThat(fallback.refreshes).isEqualTo(1);

        fake.down(false);
        CompletableFuture<Credentials> up = source.refreshNow();
        scheduler.runDue();
        assertThat(up.get(5, TimeUnit.SECONDS).origin()).isEqualTo("lease lease_1");
        assertThat(fallback.refreshes).isEqualTo(1);
        assertThat(source.status().servingFallback()).isFalse();
        assertThat(source.current().origin()).isEqualTo("lease lease_1");
    }

    @Test
    void closeRevokesTheLease() {
        fake.down(false);
        LeaseKeeper lease = (LeaseKeeper) LeaseSource.builder(fake, Time.of(scheduler, scheduler), "postgres", "app")
                .random(new Random(7))
                .build();
        source = lease.withFallback(fallback);
        assertThat(fallback.status().hasValue()).isFalse();
        source.close();
        assertThat(fake.calls("revoke")).hasSize(1);
    }

    @Test
    void refreshFailureOnBothIsReported() {
        LeaseKeeper lease = unreachableLease();
        fallback.close();
        BreakGlass other = new BreakGlass() {
            @Override
            public CompletableFuture<Credentials> refreshNow() {
                return CompletableFuture.failedFuture(
                        new dev.scaivault.SecretUnavailableException("file /run/secrets/db: not found"));
            }
        };
        source = lease.withFallback(other);
        CompletableFuture<Credentials> r = source.refreshNow();
        scheduler.runDue();
        assertThat(r)
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(ExecutionException.class)
                .withMessageContaining("primary lease:postgres/app: lease:postgres/app: refresh failed")
                .withMessageContaining("fallback file:/run/secrets/db: file /run/secrets/db: not found");
    }
}

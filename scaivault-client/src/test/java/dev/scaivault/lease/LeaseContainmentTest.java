package dev.scaivault.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.scaivault.Lease;
import dev.scaivault.Time;
import dev.scaivault.testkit.ManualTime;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What a lease source does when something throws that nobody planned for (an {@link Error} from a call or
 * from a listener), and when it is closed while a revocation is already on its way: the schedule goes on,
 * the value is published, nothing is revoked twice and close does not wait longer than it must.
 */
class LeaseContainmentTest {
    private final ManualTime scheduler = new ManualTime();
    private final FakeDynamicSecrets fake = new FakeDynamicSecrets(scheduler);

    private LeaseSource.Builder onVirtualTime() {
        return LeaseSource.builder(fake, Time.of(scheduler, scheduler), "postgres", "app")
                .random(new Random(7));
    }

    @Test
    void anErrorFromARenewalIsAFailureLikeAnyOtherAndTheScheduleGoesOn() {
        try (LeaseKeeper s = (LeaseKeeper) onVirtualTime().build()) {
            String first = s.currentLeaseId().orElseThrow();
            fake.failNextRenewWith(new OutOfMemoryError("an absurd answer"));
            // Was: the Error escaped the task, nothing was scheduled after it, and the lease ran out.
            scheduler.advance(Duration.ofHours(3));
            assertThat(s.status().usableAt(scheduler.now())).isTrue();
            assertThat(s.currentLeaseId()).contains(first);
            assertThat(fake.calls("renew")).hasSizeGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void aLeaseListenerThatThrowsAnAssertionErrorDoesNotStopTheLeaseFromBeingPublishedAndKept() {
        LeaseListener failing = new LeaseListener() {
            @Override
            public void created(Lease lease) {
                throw new AssertionError("a metrics listener's own check");
            }

            @Override
            public void renewed(Lease lease) {
                throw new AssertionError("a metrics listener's own check");
            }
        };
        // Was: the AssertionError escaped build() after the lease was generated and before it was published.
        try (LeaseKeeper s = (LeaseKeeper) onVirtualTime().listener(failing).build()) {
            assertThat(s.current().username()).startsWith("v-app-");
            scheduler.advance(Duration.ofHours(5));
            assertThat(s.status().usableAt(scheduler.now())).isTrue();
        }
    }

    @Test
    void closeWhileARevocationIsInFlightWaitsForItInsteadOfRevokingTwice() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(Retirement.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        FakeDynamicSecrets real = new FakeDynamicSecrets(java.time.Clock.systemUTC());
        try {
            LeaseKeeper s = (LeaseKeeper) LeaseSource.builder(real, Time.system(), "postgres", "app")
                    .closeTimeout(Duration.ofMinutes(1))
                    .build();
            String first = s.currentLeaseId().orElseThrow();
            CountDownLatch gate = real.blockRevokes();
            // A refresh replaces the lease; with no consumer holding it, its revocation starts at once.
            s.refreshNow().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> real.revokesStarted() == 1);
            String second = s.currentLeaseId().orElseThrow();

            Thread closer = new Thread(s::close, "test-closer");
            closer.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> real.revokesStarted() == 2);
            gate.countDown();
            closer.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(closer.isAlive())
                    .as("close returned once the revocations ended")
                    .isFalse();

            assertThat(real.calls("revoke"))
                    .extracting(FakeDynamicSecrets.Call::leaseId)
                    .containsExactlyInAnyOrder(first, second);
            assertThat(log.list)
                    .filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .noneMatch(m -> m.contains("close gave up"));
        } finally {
            logger.detachAppender(log);
        }
    }
}

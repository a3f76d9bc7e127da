package dev.scaivault.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.scaivault.ScaiVaultApiException;
import dev.scaivault.Time;
import dev.scaivault.testkit.ManualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** No password reaches a log line, an exception message, an event or a toString(), whatever happens. */
class LeaseSecretHygieneTest {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level previousLevel;

    @BeforeEach
    void capture() {
        previousLevel = root.getLevel();
        root.setLevel(Level.TRACE);
        appender.start();
        root.addAppender(appender);
    }

    @AfterEach
    void release() {
        root.detachAppender(appender);
        root.setLevel(previousLevel);
    }

    @Test
    void noSecretInLogsMessagesEventsOrToString() {
        ManualTime scheduler = new ManualTime();
        FakeDynamicSecrets fake = new FakeDynamicSecrets(scheduler).ttl(Duration.ofSeconds(4), Duration.ofSeconds(12));
        LeaseKeeperTest.RecordingEvents events = new LeaseKeeperTest.RecordingEvents();
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        LeaseKeeper s = (LeaseKeeper) LeaseSource.builder(fake, Time.of(scheduler, scheduler), "postgres", "app")
                .listener(events)
                .random(new Random(3))
                .build();
        s.subscribe(c -> seen.add(c.toString()));
        for (int i = 0; i < 3000; i++) {
            if (i == 500) {
                fake.down(true);
            } else if (i == 1200) {
                fake.down(false);
            } else if (i == 1500) {
                fake.failRenew(new ScaiVaultApiException("overloaded", 503, "service_unavailable", "req_1", null));
            } else if (i == 1800) {
                fake.failRenew(null);
                fake.revokeOutOfBand(LeaseKeeperTest.leaseIdOf(s.current()));
            }
            scheduler.advance(Duration.ofMillis(10));
            seen.add(s.toString());
            seen.add(s.status().toString());
            seen.add(s.current().toString());
        }
        s.refreshNow();
        scheduler.runDue();
        s.close();
        int leases = fake.generated();
        // Every published lease reached the subscriber too.
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() >= 9000 + leases);

        assertThat(leases).isGreaterThanOrEqualTo(4);
        events.leasesSeen.forEach(l -> seen.add(l.toString()));
        seen.addAll(events.messages);
        for (ILoggingEvent e : appender.list) {
            seen.add(e.getFormattedMessage());
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                seen.add(t.getMessage());
            }
        }
        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).anyMatch(m -> m.contains("revoked"));
        List<String> all;
        synchronized (seen) {
            all = List.copyOf(seen.stream().filter(x -> x != null).toList());
        }
        for (int i = 1; i <= leases; i++) {
            String password = FakeDynamicSecrets.passwordOf(i);
            assertThat(all).noneMatch(line -> line.contains(password));
        }
        assertThat(events.leasesSeen).allSatisfy(l -> assertThat(l.data()).isEmpty());
    }
}

package dev.scaivault.rotation;

import dev.scaivault.Backoff;
import dev.scaivault.Event;
import dev.scaivault.EventBatch;
import dev.scaivault.EventSubscription;
import dev.scaivault.Events;
import dev.scaivault.NotFoundException;
import dev.scaivault.ScaiVaultException;
import dev.scaivault.Secret;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.Secrets;
import dev.scaivault.Time;
import dev.scaivault.source.AbstractSecretSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source {@link RotatingSecretSource} builds: subscribes to the secret's rotation events, reads it, then
 * keeps two schedules on the time: the event poll (one long poll at a time, each on the I/O executor, the next
 * no sooner than the minimum interval, failures backed off) and the periodic re-read.
 */
final class SecretFollower extends AbstractSecretSource<Secret> {
    private static final Logger log = LoggerFactory.getLogger(SecretFollower.class);
    private static final List<String> EVENT_TYPES = List.of("secret.rotated", "secret.updated");
    /** Poll failures: from 1 s doubling to a minute, Retry-After honoured. */
    private static final Backoff POLL_BACKOFF = Backoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(1));

    private final String path;
    private final Secrets secrets;
    private final Events events;
    private final Time time;
    private final Duration refreshInterval;
    private final Duration pollTimeout;
    private final Duration minPollInterval;
    private final boolean followEvents;
    /** A lock, not a monitor: it is held across the read, which may run on a caller's virtual thread. */
    private final ReentrantLock reloadLock = new ReentrantLock();

    private final Map<String, Boolean> seen = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
            return size() > 10_000;
        }
    };

    private volatile long version = -1;
    private volatile Runnable cancelPoll = () -> {};
    private volatile ScheduledFuture<?> periodic;
    private volatile ScheduledFuture<?> nextPoll;
    // Touched only by the poll task, one at a time.
    private EventSubscription subscription;
    private String since;
    private int pollFailures;

    private SecretFollower(RotatingSecretSource.Builder b) {
        super("secret:" + b.path, b.vault.time().clock());
        this.path = b.path;
        this.secrets = b.vault.secrets();
        this.events = b.vault.events();
        this.time = b.vault.time();
        this.refreshInterval = b.refreshInterval;
        this.pollTimeout = b.pollTimeout;
        this.minPollInterval = b.minPollInterval;
        this.followEvents = b.events;
    }

    static SecretFollower start(RotatingSecretSource.Builder b) {
        SecretFollower s = new SecretFollower(b);
        // Subscribe first, then read: a rotation between the two is then seen as an event, not lost.
        if (s.followEvents) {
            try {
                s.subscription = s.subscribe();
            } catch (ScaiVaultException e) {
                log.warn(
                        "secret {}: cannot subscribe to rotation events yet ({}); will keep trying",
                        s.path,
                        e.getMessage());
            }
        }
        try {
            s.reload();
        } catch (ScaiVaultException e) {
            if (!b.startWithoutValue) {
                s.close();
                throw new SecretUnavailableException(
                        "secret " + s.path + ": no initial credentials: " + e.getMessage(), e);
            }
            log.warn("secret {}: starting without a value: {}", s.path, e.getMessage());
        }
        if (s.followEvents) {
            s.schedulePoll(Duration.ZERO);
        }
        s.schedulePeriodic();
        return s;
    }

    /** The version in force, or -1 before the first successful read; for tests. */
    long version() {
        return version;
    }

    @Override
    public CompletableFuture<Secret> refreshNow() {
        return CompletableFuture.supplyAsync(
                () -> {
                    reload();
                    return current();
                },
                time.io());
    }

    /** Reads the latest version and publishes it if it is newer than the one in force. */
    private void reload() {
        reloadLock.lock();
        try {
            Secret s;
            try {
                s = secrets.read(path);
            } catch (ScaiVaultException e) {
                recordFailure(e.getMessage());
                throw e;
            } catch (RuntimeException | Error e) {
                ScaiVaultException u = new ScaiVaultException(
                        "read secret " + path + " failed unexpectedly: "
                                + e.getClass().getName(),
                        e);
                recordFailure(u.getMessage());
                throw u;
            }
            if (s.version() <= version) {
                recordSuccess();
                return;
            }
            long previous = version;
            version = s.version();
            log.info("secret {}: v{} in force{}", path, s.version(), previous < 0 ? "" : " (was v" + previous + ")");
            publish(s);
        } finally {
            reloadLock.unlock();
        }
    }

    private void schedulePeriodic() {
        if (isClosed()) {
            return;
        }
        periodic = time.schedule(refreshInterval, () -> {
            try {
                reload();
            } catch (RuntimeException | Error e) {
                log.warn("secret {}: periodic re-read failed, keeping v{}: {}", path, version, e.getMessage());
            } finally {
                // Whatever happened, the safety net stays: without it a missed event is never caught up.
                schedulePeriodic();
            }
        });
    }

    private EventSubscription subscribe() {
        EventSubscription sub =
                events.subscribe("scaivault-java " + path + " " + UUID.randomUUID(), List.of(path), EVENT_TYPES);
        log.debug("secret {}: subscribed to rotation events as {}", path, sub.id());
        return sub;
    }

    private void schedulePoll(Duration delay) {
        if (!isClosed()) {
            nextPoll = time.schedule(delay, this::pollOnce);
        }
    }

    /** One long poll, then the next one scheduled: at once-ish after events, backed off after a failure. */
    private void pollOnce() {
        if (isClosed()) {
            return;
        }
        long started = System.nanoTime();
        Duration next;
        try {
            if (subscription == null) {
                subscription = subscribe();
                since = null;
            }
            EventBatch batch = events.pollOnce(subscription.id(), since, pollTimeout, 100, c -> cancelPoll = c);
            List<String> ids = new ArrayList<>();
            boolean relevant = false;
            for (Event e : batch.events()) {
                ids.add(e.eventId());
                since = e.eventId();
                boolean fresh;
                synchronized (seen) {
                    fresh = seen.put(e.eventId(), Boolean.TRUE) == null;
                }
                if (fresh && path.equals(e.path()) && EVENT_TYPES.contains(e.eventType())) {
                    relevant = true;
                    log.debug(
                            "secret {}: {} {} (new version {})",
                            path,
                            e.eventType(),
                            e.eventId(),
                            e.data().get("new_version"));
                }
            }
            if (relevant) {
                reload();
            }
            events.ack(subscription.id(), ids);
            pollFailures = 0;
            // However fast events arrive, stay well inside the poll rate limit shared by the identity.
            next = minPollInterval.minusNanos(System.nanoTime() - started);
        } catch (NotFoundException e) {
            log.info(
                    "secret {}: subscription {} is gone; subscribing again",
                    path,
                    subscription == null ? "?" : subscription.id());
            subscription = null;
            next = POLL_BACKOFF.delay(++pollFailures);
        } catch (RuntimeException | Error e) {
            if (isClosed()) {
                return;
            }
            next = POLL_BACKOFF.delay(++pollFailures, e);
            log.warn(
                    "secret {}: event poll failed ({}); polling again in {} ms", path, e.getMessage(), next.toMillis());
        }
        schedulePoll(next);
    }

    @Override
    public void close() {
        super.close();
        ScheduledFuture<?> p = periodic;
        if (p != null) {
            p.cancel(false);
        }
        ScheduledFuture<?> n = nextPoll;
        if (n != null) {
            n.cancel(false);
        }
        cancelPoll.run();
    }
}

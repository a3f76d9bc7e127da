package dev.scaivault;

import dev.scaivault.internal.Scheduler;
import dev.scaivault.internal.Threads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Username and password from a static ScaiVault secret that follows its new versions. A rotation writes
 * version N+1 and announces it with {@code secret.rotated} (a plain write with {@code secret.updated}); this
 * source long-polls a subscription for both and reads the new version at once, with a periodic re-read as
 * a safety net. The previous version stays valid on the server for the rotation's grace period (48 h by
 * default), which is what lets a pool drain its connections before the old password stops working.
 *
 * <pre>{@code
 * SecretCredentialSource db = SecretCredentialSource.builder(vault, "environments/prod/billing/db").build();
 * }</pre>
 */
public final class SecretCredentialSource extends AbstractSecretSource<Credentials> {
    private static final Logger log = LoggerFactory.getLogger(SecretCredentialSource.class);
    private static final List<String> EVENT_TYPES = List.of("secret.rotated", "secret.updated");
    private static final java.util.concurrent.atomic.AtomicInteger THREADS =
            new java.util.concurrent.atomic.AtomicInteger();

    private final String path;
    private final String usernameKey;
    private final String passwordKey;
    private final Secrets secrets;
    private final Events events;
    private final Scheduler scheduler;
    private final Duration refreshInterval;
    private final Duration pollTimeout;
    private final Duration minPollInterval;
    private final java.util.concurrent.Executor refreshExecutor;
    /** A lock, not a monitor: it is held across the read, which may run on a virtual thread. */
    private final ReentrantLock reloadLock = new ReentrantLock();

    private final Map<String, Boolean> seen = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
            return size() > 10_000;
        }
    };
    private final Thread poller;

    private volatile long version = -1;
    private volatile Runnable cancelPoll = () -> {};
    private volatile Scheduler.Cancellable periodic = () -> {};
    private volatile long eventsApplied;

    private SecretCredentialSource(Builder b) {
        super("secret:" + b.path, b.vault.scheduler().clock());
        this.path = b.path;
        this.usernameKey = b.usernameKey;
        this.passwordKey = b.passwordKey;
        this.secrets = b.vault.secrets();
        this.events = b.vault.events();
        this.scheduler = b.vault.scheduler();
        this.refreshInterval = b.refreshInterval;
        this.pollTimeout = b.pollTimeout;
        this.minPollInterval = b.minPollInterval;
        this.refreshExecutor = b.vault.refreshExecutor();
        // Subscribe first, then read: a rotation between the two is then seen as an event, not lost.
        EventSubscription first = null;
        if (b.events) {
            try {
                first = subscribe();
            } catch (ScaiVaultException e) {
                log.warn(
                        "secret {}: cannot subscribe to rotation events yet ({}); will keep trying",
                        path,
                        e.getMessage());
            }
        }
        try {
            reload();
        } catch (ScaiVaultException e) {
            if (!b.startWithoutValue) {
                throw new SecretUnavailableException(
                        "secret " + path + ": no initial credentials: " + e.getMessage(), e);
            }
            log.warn("secret {}: starting without credentials: {}", path, e.getMessage());
        }
        if (b.events) {
            EventSubscription sub = first;
            poller = Threads.daemonFactory("scaivault-events").newThread(() -> pollLoop(sub));
            poller.setName("scaivault-events-" + THREADS.incrementAndGet());
            poller.start();
        } else {
            poller = null;
        }
        schedulePeriodic();
    }

    public static Builder builder(ScaiVault vault, String path) {
        return new Builder(vault, path);
    }

    /** The secret version in force, or -1 before the first successful read. */
    public long version() {
        return version;
    }

    /** How many events led to a re-read (duplicates and unrelated events excluded). */
    public long eventsApplied() {
        return eventsApplied;
    }

    @Override
    public CompletableFuture<Credentials> refreshNow() {
        return CompletableFuture.supplyAsync(
                () -> {
                    reload();
                    return current();
                },
                refreshExecutor);
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
            Credentials c;
            try {
                c = s.expiresAt().isPresent()
                        ? Credentials.of(
                                s.string(usernameKey),
                                s.string(passwordKey),
                                origin(s),
                                s.expiresAt().get())
                        : Credentials.of(s.string(usernameKey), s.string(passwordKey), origin(s));
            } catch (ScaiVaultException e) {
                // Keep the last good value; the version stays unapplied so the next read tries again.
                recordFailure(e.getMessage());
                throw e;
            }
            long previous = version;
            version = s.version();
            log.info("secret {}: v{} in force{}", path, s.version(), previous < 0 ? "" : " (was v" + previous + ")");
            publish(c);
        } finally {
            reloadLock.unlock();
        }
    }

    private static String origin(Secret s) {
        return "secret " + s.path() + " v" + s.version();
    }

    private void schedulePeriodic() {
        if (refreshInterval.isZero() || isClosed()) {
            return;
        }
        periodic = scheduler.schedule(refreshInterval, () -> {
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

    private void pollLoop(EventSubscription initial) {
        EventSubscription sub = initial;
        String since = null;
        int failures = 0;
        while (!isClosed()) {
            long started = System.nanoTime();
            try {
                if (sub == null) {
                    sub = events.subscribe(
                            "scaivault-java " + path + " " + UUID.randomUUID(), List.of(path), EVENT_TYPES);
                    since = null;
                    log.debug("secret {}: subscribed to rotation events as {}", path, sub.id());
                }
                EventBatch batch = events.pollOnce(sub.id(), since, pollTimeout, 100, c -> cancelPoll = c);
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
                    eventsApplied++;
                    reload();
                }
                events.ack(sub.id(), ids);
                failures = 0;
                // However fast events arrive, stay well inside the poll rate limit shared by the identity.
                pause(minPollInterval.minusNanos(System.nanoTime() - started));
            } catch (NotFoundException e) {
                log.info("secret {}: subscription {} is gone; subscribing again", path, sub == null ? "?" : sub.id());
                sub = null;
                pause(backoff(++failures, null));
            } catch (RuntimeException | Error e) {
                if (isClosed()) {
                    return;
                }
                failures++;
                Duration wait = backoff(
                        failures,
                        e instanceof ScaiVaultApiException a ? a.retryAfter().orElse(null) : null);
                log.warn(
                        "secret {}: event poll failed ({}); polling again in {} ms",
                        path,
                        e.getMessage(),
                        wait.toMillis());
                pause(wait);
            }
        }
    }

    private static String describe(RuntimeException e) {
        return e instanceof ScaiVaultException ? e.getMessage() : e.getClass().getName() + ": " + e.getMessage();
    }

    private static Duration backoff(int failures, Duration retryAfter) {
        long cap = Math.min(60_000, 1000L << Math.min(6, failures - 1));
        long ms = ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
        return retryAfter != null && retryAfter.toMillis() > ms
                ? Http.afterRetryAfter(retryAfter)
                : Duration.ofMillis(ms);
    }

    private void pause(Duration d) {
        if (d.isNegative() || d.isZero() || isClosed()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        super.close();
        periodic.cancel();
        cancelPoll.run();
        if (poller != null) {
            poller.interrupt();
        }
    }

    /** Configures a {@link SecretCredentialSource}. */
    public static final class Builder {
        private final ScaiVault vault;
        private final String path;
        private String usernameKey = "username";
        private String passwordKey = "password";
        private Duration refreshInterval = Duration.ofMinutes(5);
        private Duration pollTimeout = Duration.ofSeconds(30);
        private Duration minPollInterval = Duration.ofSeconds(1);
        private boolean events = true;
        private boolean startWithoutValue;

        private Builder(ScaiVault vault, String path) {
            this.vault = Objects.requireNonNull(vault, "SecretCredentialSource: vault must not be null");
            this.path = Protocol.checkSecretPath(
                    Objects.requireNonNull(path, "SecretCredentialSource: secret path must not be null"));
        }

        public Builder usernameKey(String key) {
            this.usernameKey = requireKey(key, "usernameKey");
            return this;
        }

        public Builder passwordKey(String key) {
            this.passwordKey = requireKey(key, "passwordKey");
            return this;
        }

        /** How often to re-read the secret besides reacting to events (default 5 min; zero turns it off). */
        public Builder refreshInterval(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("refreshInterval must be zero or positive, not " + d);
            }
            this.refreshInterval = d;
            return this;
        }

        /** Whether to follow rotation events through a long-poll subscription (default true). */
        public Builder events(boolean follow) {
            this.events = follow;
            return this;
        }

        /** How long one long poll waits (default 30 s, at most 60 s). */
        public Builder pollTimeout(Duration d) {
            if (d == null || d.isNegative() || d.compareTo(Events.MAX_POLL_TIMEOUT) > 0) {
                throw new IllegalArgumentException("pollTimeout must be between 0 and 60 s, not " + d);
            }
            this.pollTimeout = d;
            return this;
        }

        /**
         * The shortest time between two polls (default 1 s): ScaiVault allows 240 polls a minute per identity,
         * shared by every pod and source using it.
         */
        public Builder minPollInterval(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("minPollInterval must not be negative, not " + d);
            }
            this.minPollInterval = d;
            return this;
        }

        /** Start even when the first read fails (default: fail, so a service never starts without credentials). */
        public Builder startWithoutValue(boolean allow) {
            this.startWithoutValue = allow;
            return this;
        }

        public SecretCredentialSource build() {
            return new SecretCredentialSource(this);
        }

        private static String requireKey(String key, String setting) {
            if (key == null || key.isEmpty()) {
                throw new IllegalArgumentException(setting + " must not be empty");
            }
            return key;
        }
    }
}

package dev.scaivault.pool;

import dev.scaivault.SecretUnavailableException;
import dev.scaivault.Time;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.HandOff;
import dev.scaivault.source.Registration;
import dev.scaivault.source.SecretChange;
import dev.scaivault.source.SecretSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a JDBC pool on the credentials of a {@link SecretSource}, live and without failed queries: the one
 * rotation core every pool adapter shares. On each change: optionally validate the new credentials with one
 * direct connection (the pool keeps the old ones meanwhile), set them on the pool, THEN retire its
 * connections (the reverse order lets the pool refill with the old credentials), wait until no physical
 * connection uses the previous credentials (bounded by {@code maxDrainTime}) and only then hand the previous
 * value back to the source, which may revoke it. Changes are applied one at a time; a newer change supersedes
 * one still being validated.
 *
 * <p>Bind before the pool starts: the binding sets the first credentials and puts itself between the pool and
 * its driver or data source, which is what lets it see every new physical connection, track which
 * credentials each uses, and bridge an authentication failure (the database already has a new password, the
 * source does not yet) by asking the source to {@link SecretSource#refreshNow() refresh} and retrying within
 * {@code authFailureBudget}. Bound to a pool that already runs, it still rotates, but can neither bridge nor
 * see physical connections, so its hand-off waits until the pool has no connection in use (or {@code
 * maxDrainTime}).
 *
 * <p>Bound before the pool started, the binding also opens the pool's first connection with new credentials
 * itself, right after setting them, retires the old ones once that login is done (waiting 100 ms at most, and
 * at most a tenth of the life the previous credentials have left), and hands the connection to the pool's
 * next new connection: so that login neither runs while the database ends the retired sessions nor waits for
 * a borrower to give back a retired connection. Until the pool takes it (closed if not taken within {@code
 * maxDrainTime}, at most 5 s) the database sees one connection more than the pool's maximum.
 *
 * <p>Which pools: an adapter registered as a {@link PoolAdapterProvider} ({@code scaivault-hikari}, {@code
 * scaivault-tomcat-jdbc}, ...). A driver's own DataSource needs no pool binding: wrap it in a {@link
 * CredentialDataSource}. Closing the binding stops it following the source and hands back whatever it still
 * holds; it closes neither the pool nor the source.
 */
public final class PoolBinding implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PoolBinding.class);
    private static final long DRAIN_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    // A pool adds a new connection to its idle ones right after the data source returns it; this is ample.
    private static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long NUDGE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    // After a retirement the pool takes the connection opened ahead at its first add, normally within the
    // longest hold of a borrowed connection; one it has not taken by then it does not need.
    private static final long MAX_UNTAKEN_NANOS = TimeUnit.SECONDS.toNanos(5);
    // Retiring closes the pool's connections, and a login made while the database ends those sessions took
    // 1.5 times a bare one in the rotation demo; so the retirement waits for the new connection's login, this
    // long at most (a login takes 5-50 ms; a slower one means a slow database, not one busy ending sessions).
    private static final long MAX_RETIRE_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_VALIDATION_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final Duration DEFAULT_MAX_DRAIN = Duration.ofMinutes(30);

    private final PoolAdapter pool;
    private final String poolName;
    private final SecretSource<Credentials> source;
    private final boolean validate;
    private final long validationTimeoutNanos;
    private final long maxDrainNanos;
    private final RotationListener listener;
    private final Clock clock = Clock.systemUTC();

    private final DataSource direct;
    private final BridgingDataSource bridge;
    private final ConnectionTracker tracker = new ConnectionTracker();
    private final ScheduledThreadPoolExecutor executor;
    // Its own thread, so that the retirement goes ahead when that login takes longer than it may wait.
    private final ExecutorService ahead;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Registration subscription;
    private final AuthBridge auth;

    private volatile Credentials applied;
    private volatile Instant appliedChangeAt;
    private final AtomicBoolean firstUsePending = new AtomicBoolean();
    private final AtomicReference<Object> newestChange = new AtomicReference<>();

    // Confined to the executor thread.
    private final List<Retiring> retiring = new ArrayList<>();
    private Credentials wanted;
    private Instant wantedAt;
    private Object wantedToken;
    private int attempt;
    private long validationDeadline;
    private ScheduledFuture<?> retry;
    private ScheduledFuture<?> drainPoll;
    private volatile long lastRetireNanos;
    private boolean retiredTwice;

    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong rotations = new AtomicLong();
    private final AtomicLong handOffTimeouts = new AtomicLong();
    private volatile Instant lastRotation;
    private volatile Duration lastDrain;

    /** A previous value the source waits for, and since when the pool has stopped using it. */
    private static final class Retiring {
        final Credentials value;
        final HandOff handOff;
        long sinceNanos;

        Retiring(Credentials value, HandOff handOff, long sinceNanos) {
            this.value = value;
            this.handOff = handOff;
            this.sinceNanos = sinceNanos;
        }
    }

    private PoolBinding(Builder b) {
        this.pool = b.adapter;
        this.source = b.source;
        this.poolName = Objects.requireNonNullElse(pool.name(), "(unnamed pool)");
        this.validate = b.validate;
        this.validationTimeoutNanos = b.validationTimeout.toNanos();
        this.listener = b.listener;
        Duration drain = b.maxDrainTime != null ? b.maxDrainTime : defaultMaxDrain(pool);
        this.maxDrainNanos = drain.toNanos();
        this.auth =
                new AuthBridge(poolName, source, b.authFailureBudget.toNanos(), closed::get, () -> applied, this::tell);

        // Fail closed: a pool is never started on no credentials at all.
        Credentials first = source.current();
        boolean started = pool.started();
        this.direct = pool.physical();
        if (direct instanceof BridgingDataSource) {
            throw new IllegalStateException("pool " + poolName + " is already bound to a credential source");
        }
        this.bridge = !started && direct != null ? new BridgingDataSource(direct, new Host()) : null;
        if (validate && direct == null) {
            throw new IllegalArgumentException("pool " + poolName
                    + " cannot open a direct connection (JNDI), so validateBeforeApply cannot be used;"
                    + " configure the pool with a DataSource or a JDBC URL instead");
        }
        if (!started) {
            pool.setCredentials(first);
            applied = first;
            if (bridge != null) {
                pool.install(bridge);
            }
        } else {
            applied = pool.configured();
        }
        this.executor = new ScheduledThreadPoolExecutor(1, Time.daemons("scaivault-" + pool.kind()));
        this.ahead = bridge != null
                ? Executors.newSingleThreadExecutor(Time.daemons("scaivault-" + pool.kind() + "-ahead"))
                : null;
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        log.info(
                "pool {}: bound to source {} ({}, {}{})",
                poolName,
                source.name(),
                pool.mechanism(),
                bridge != null
                        ? "tracking new connections"
                        : (started ? "pool already started" : "JNDI pool") + ": no bridging, coarse drain",
                validate ? ", validating before apply" : "");
        this.subscription = source.subscribe(this::onChange);
    }

    /**
     * Binds {@code pool} to {@code source} with the defaults; see {@link #builder(DataSource, SecretSource)}.
     *
     * @throws IllegalArgumentException if no adapter on the class path supports {@code pool}
     */
    public static PoolBinding bind(DataSource pool, SecretSource<Credentials> source) {
        return builder(pool, source).bind();
    }

    /**
     * A builder for {@code pool}, whose adapter is found among the {@link PoolAdapterProvider}s on the class
     * path (that of the pool's class first, then the thread's context class loader).
     *
     * @throws IllegalArgumentException if no adapter supports {@code pool}
     */
    public static Builder builder(DataSource pool, SecretSource<Credentials> source) {
        Objects.requireNonNull(pool, "pool");
        return new Builder(adapterFor(pool), source);
    }

    /** For pool adapters: a builder for a pool the caller adapted itself. */
    public static Builder builder(PoolAdapter adapter, SecretSource<Credentials> source) {
        return new Builder(Objects.requireNonNull(adapter, "adapter"), source);
    }

    private static PoolAdapter adapterFor(DataSource pool) {
        for (ClassLoader cl : new ClassLoader[] {
            pool.getClass().getClassLoader(), Thread.currentThread().getContextClassLoader()
        }) {
            for (PoolAdapterProvider p : ServiceLoader.load(PoolAdapterProvider.class, cl)) {
                if (p.supports(pool)) {
                    return p.adapt(pool);
                }
            }
        }
        throw new IllegalArgumentException(
                "no pool adapter supports " + pool.getClass().getName()
                        + "; add scaivault-hikari, scaivault-tomcat-jdbc, scaivault-dbcp2 or scaivault-ucp for those"
                        + " pools, or wrap a driver DataSource in a CredentialDataSource");
    }

    public RotationMetrics metrics() {
        Credentials now = applied;
        int onPrevious = bridge == null ? -1 : tracker.count(c -> now == null || !c.sameSecretAs(now));
        return new RotationMetrics(
                pool.mechanism(),
                rotations.get(),
                Optional.ofNullable(lastRotation),
                Optional.ofNullable(lastDrain),
                onPrevious,
                pending.get(),
                auth.bridged(),
                handOffTimeouts.get());
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        subscription.close();
        if (bridge != null) {
            bridge.detach();
        }
        try {
            executor.execute(() -> {
                cancel(retry);
                cancel(drainPoll);
                if (bridge != null) {
                    bridge.detach(); // again: a connection opened ahead while closing is closed here
                }
                retiring.forEach(r -> r.handOff.complete());
                retiring.clear();
                pending.set(0);
            });
        } catch (RejectedExecutionException e) {
            // Already shut down.
        }
        executor.shutdown();
        if (ahead != null) {
            ahead.shutdown();
        }
        log.info("pool {}: unbound from source {}", poolName, source.name());
    }

    @Override
    public String toString() {
        return "PoolBinding{pool=" + poolName + ", kind=" + pool.kind() + ", source=" + source.name() + ", mechanism="
                + pool.mechanism() + '}';
    }

    // ---- changes, on the source's dispatch thread, then on our executor ----

    private void onChange(SecretChange<? extends Credentials> change) {
        Credentials previous = change.previous();
        Credentials next = change.current();
        HandOff handOff = previous != null && !previous.sameSecretAs(next) ? change.deferHandOff() : null;
        Object token = new Object();
        newestChange.set(token);
        auth.changed();
        try {
            executor.execute(() -> accept(previous, next, handOff, change.at(), token));
        } catch (RejectedExecutionException e) {
            if (handOff != null) {
                handOff.complete();
            }
        }
    }

    private void accept(Credentials previous, Credentials next, HandOff handOff, Instant at, Object token) {
        if (closed.get()) {
            if (handOff != null) {
                handOff.complete();
            }
            return;
        }
        // The source handing out a value we were asked to let go of again: it is in force, not retiring.
        retiring.removeIf(r -> {
            if (r.value.sameSecretAs(next)) {
                r.handOff.complete();
                pending.decrementAndGet();
                return true;
            }
            return false;
        });
        if (handOff != null) {
            retiring.add(new Retiring(previous, handOff, System.nanoTime()));
            pending.incrementAndGet();
        }
        if (bridge != null) {
            bridge.discardUnless(next);
        }
        cancel(retry);
        retry = null;
        wanted = next;
        wantedAt = at;
        wantedToken = token;
        attempt = 0;
        validationDeadline = System.nanoTime() + validationTimeoutNanos;
        tryApply();
        scheduleDrainPoll();
    }

    private void tryApply() {
        Credentials w = wanted;
        if (w == null) {
            return;
        }
        Credentials current = applied;
        if (current != null && w.sameSecretAs(current)) {
            wanted = null;
            return;
        }
        if (validate) {
            attempt++;
            Optional<SQLException> failure = validateOnce(w);
            if (newestChange.get() != wantedToken) {
                return; // superseded while we were connecting; the newer change's task follows
            }
            if (failure.isPresent()) {
                String why = AuthFailures.describe(failure.get());
                tell(l -> l.onValidationFailed(w.origin(), attempt, why));
                long now = System.nanoTime();
                if (now - validationDeadline < 0) {
                    long backoff = Math.min(
                            MAX_VALIDATION_BACKOFF_NANOS, AuthBridge.FIRST_BACKOFF_NANOS << Math.min(attempt, 16));
                    log.info(
                            "pool {}: credentials of {} do not work yet ({}, attempt {}); keeping those of {}",
                            poolName,
                            w.origin(),
                            why,
                            attempt,
                            current != null ? current.origin() : "none");
                    retry = executor.schedule(this::tryApply, backoff, TimeUnit.NANOSECONDS);
                    return;
                }
                log.warn(
                        "pool {}: credentials of {} still fail validation ({}) after {} attempts; applying them"
                                + " anyway, the source is the authority",
                        poolName,
                        w.origin(),
                        why,
                        attempt);
            }
        }
        wanted = null;
        applyNow(w, wantedAt);
    }

    private Optional<SQLException> validateOnce(Credentials c) {
        try (Connection ignored = direct.getConnection(c.username(), c.password())) {
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of(e);
        }
    }

    private void applyNow(Credentials next, Instant changeAt) {
        Credentials previous = applied;
        // Order matters: credentials first, so every connection the retirement makes the pool open uses them.
        pool.setCredentials(next);
        applied = next;
        appliedChangeAt = changeAt;
        firstUsePending.set(bridge != null);
        boolean running = pool.started();
        if (running) {
            BridgingDataSource.Ready r = openAhead(next);
            long wait = retireDelayNanos(previous);
            if (r != null && wait > 0) {
                try {
                    r.connection.get(wait, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    // Evict now: a slow database is slow whatever else runs, a refusal is the pool's to bridge.
                }
            }
        }
        long now = System.nanoTime();
        for (Retiring r : retiring) {
            if (previous != null && r.value.sameSecretAs(previous)) {
                r.sinceNanos = now;
            }
        }
        if (running) {
            pool.retire();
        }
        lastRetireNanos = System.nanoTime();
        retiredTwice = false;
        rotations.incrementAndGet();
        Instant at = clock.instant();
        lastRotation = at;
        log.info(
                "pool {}: credentials of {} set ({}), connections of {} retired",
                poolName,
                next.origin(),
                pool.mechanism(),
                previous != null ? previous.origin() : "none");
        String previousOrigin = previous != null ? previous.origin() : null;
        tell(l -> l.onRotation(previousOrigin, next.origin(), at));
        if (bridge != null) {
            // Bridging may already have opened connections with these credentials before they were applied.
            tracker.firstOpenedWith(next).ifPresent(this::recordFirstUse);
        }
    }

    /**
     * How long the retirement may wait for the first login with new credentials: {@link
     * #MAX_RETIRE_DELAY_NANOS}, and no more than a tenth of the life {@code previous} has left, so the drain
     * and the hand-off of credentials about to expire (a lease replaced late) keep nine tenths of their margin.
     */
    private long retireDelayNanos(Credentials previous) {
        Optional<Instant> expiry = previous == null ? Optional.empty() : previous.expiresAt();
        if (expiry.isEmpty()) {
            return MAX_RETIRE_DELAY_NANOS;
        }
        long left = Duration.between(clock.instant(), expiry.get()).toNanos();
        return Math.max(0, Math.min(MAX_RETIRE_DELAY_NANOS, left / 10));
    }

    /**
     * Starts opening the pool's first connection with {@code next}, for its next add to take (see the class
     * comment). Not when the pool has one with them already, or a login refused with the previous credentials
     * waits for them: it retries with them at once, and a second login would only slow it down. If this login
     * fails, the pool's own finds out why (and bridges an authentication failure).
     */
    private BridgingDataSource.Ready openAhead(Credentials next) {
        if (bridge == null || auth.inProgress() || tracker.count(next::sameSecretAs) > 0) {
            return null;
        }
        BridgingDataSource.Ready r = bridge.preopen(next, ahead);
        try {
            executor.schedule(
                    () -> bridge.discard(r), Math.min(maxDrainNanos, MAX_UNTAKEN_NANOS), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            bridge.discard(r); // closing
        }
        return r;
    }

    private void recordFirstUse(Instant openedAt) {
        Credentials c = applied;
        Instant changeAt = appliedChangeAt;
        if (c == null || changeAt == null || !firstUsePending.compareAndSet(true, false)) {
            return;
        }
        Duration d = Duration.between(changeAt, openedAt);
        Duration propagation = d.isNegative() ? Duration.ZERO : d;
        tell(l -> l.onNewCredentialsInUse(c.origin(), propagation));
    }

    // ---- drain ----

    private void scheduleDrainPoll() {
        if (drainPoll == null && !retiring.isEmpty() && !closed.get()) {
            drainPoll = executor.schedule(this::drain, DRAIN_POLL_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private void drain() {
        drainPoll = null;
        Credentials current = applied;
        long now = System.nanoTime();
        if (bridge != null && tracker.missedEviction(this::isRetired, lastRetireNanos, now, SETTLE_NANOS)) {
            log.debug("pool {}: a connection on retired credentials escaped retirement; retiring again", poolName);
            pool.retire();
            lastRetireNanos = System.nanoTime();
        }
        if (bridge == null && !retiredTwice && now - lastRetireNanos >= SETTLE_NANOS) {
            // Blind to physical connections, we cannot tell whether one opened with the previous
            // credentials landed just after the retirement; retiring once more after it settled catches it.
            if (pool.started()) {
                pool.retire();
            }
            retiredTwice = true;
        }
        if (bridge != null && pool.closesRetiredAtNextBorrow() && now - lastRetireNanos >= NUDGE_AFTER_NANOS) {
            // Some pools (HikariCP 5) put a retired connection back among the idle ones when it is returned
            // and close it only at its next borrow, which on a quiet pool may be far off. More connections on
            // retired credentials than connections in use means one of them is idle: retiring again closes it.
            int borrowed = pool.borrowed();
            if (borrowed >= 0 && tracker.count(this::isRetired) > borrowed) {
                pool.retire();
                lastRetireNanos = System.nanoTime();
            }
        }
        for (Iterator<Retiring> it = retiring.iterator(); it.hasNext(); ) {
            Retiring r = it.next();
            if (current != null && r.value.sameSecretAs(current)) {
                continue; // still the pool's credentials: a newer value is being validated
            }
            boolean drained =
                    bridge != null ? tracker.count(r.value::sameSecretAs) == 0 : retiredTwice && poolHasNothingInUse();
            Duration waited = Duration.ofNanos(now - r.sinceNanos);
            boolean timedOut = !drained && now - r.sinceNanos >= maxDrainNanos;
            if (drained || timedOut) {
                it.remove();
                pending.decrementAndGet();
                lastDrain = waited;
                if (timedOut) {
                    handOffTimeouts.incrementAndGet();
                    log.warn(
                            "pool {}: connections still use the credentials of {} after maxDrainTime {};"
                                    + " handing them off anyway",
                            poolName,
                            r.value.origin(),
                            Duration.ofNanos(maxDrainNanos));
                } else {
                    log.debug("pool {}: credentials of {} drained in {}", poolName, r.value.origin(), waited);
                }
                r.handOff.complete();
                tell(l -> l.onHandOff(r.value.origin(), waited, timedOut));
            }
        }
        scheduleDrainPoll();
    }

    private boolean isRetired(Credentials c) {
        for (Retiring r : retiring) {
            if (r.value.sameSecretAs(c)) {
                return true;
            }
        }
        return false;
    }

    private boolean poolHasNothingInUse() {
        return pool.borrowed() <= 0;
    }

    // ---- what the pool's connection-creating thread calls, through the bridging data source ----

    private final class Host implements BridgingDataSource.Host {
        @Override
        public Credentials credentialsFor(String poolUsername, String poolPassword) {
            // Ours, not the pool's: a pool with two setters may read a new username with an old password.
            return applied;
        }

        @Override
        public boolean stale(Credentials used) {
            Credentials now = applied;
            return now != null && !used.sameSecretAs(now) && !used.sameSecretAs(auth.sourceCurrentOrNull());
        }

        @Override
        public long authFailureBudgetNanos() {
            return auth.budgetNanos();
        }

        @Override
        public void opening(Credentials use) {
            tracker.opening(use);
        }

        @Override
        public void openingDone(Credentials use) {
            tracker.openingDone(use);
        }

        @Override
        public void opened(Connection c, Credentials used) {
            Instant at = clock.instant();
            tracker.opened(c, used, System.nanoTime(), at);
            Credentials now = applied;
            if (firstUsePending.get() && now != null && used.sameSecretAs(now)) {
                recordFirstUse(at);
            }
        }

        @Override
        public Credentials bridge(Credentials failed, SQLException failure, long deadlineNanos) {
            return auth.bridge(failed, failure, deadlineNanos);
        }
    }

    // ---- helpers ----

    private void tell(Consumer<RotationListener> call) {
        try {
            call.accept(listener);
        } catch (RuntimeException | Error e) {
            log.warn(
                    "pool {}: rotation listener {} failed",
                    poolName,
                    listener.getClass().getName(),
                    e);
        }
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    private static Duration defaultMaxDrain(PoolAdapter pool) {
        Duration d = pool.maxLifetime();
        return d != null && !d.isNegative() && !d.isZero() ? d : DEFAULT_MAX_DRAIN;
    }

    /** Configures and creates a {@link PoolBinding}. */
    public static final class Builder {
        private final PoolAdapter adapter;
        private final SecretSource<Credentials> source;
        private boolean validate;
        private Duration validationTimeout = Duration.ofSeconds(30);
        private Duration maxDrainTime;
        private Duration authFailureBudget = Duration.ofSeconds(5);
        private RotationListener listener = new RotationListener() {};

        private Builder(PoolAdapter adapter, SecretSource<Credentials> source) {
            this.adapter = adapter;
            this.source = Objects.requireNonNull(source, "source");
        }

        /**
         * Before applying new credentials, open one direct connection with them (retrying with backoff for
         * up to {@link #validationTimeout}, the pool keeping its current credentials meanwhile). Off by
         * default: it costs one login per rotation and only helps when a source can be ahead of the
         * database.
         */
        public Builder validateBeforeApply(boolean validate) {
            this.validate = validate;
            return this;
        }

        /** How long validation retries before applying the new credentials anyway (default 30 s). */
        public Builder validationTimeout(Duration timeout) {
            this.validationTimeout = positive(timeout, "validationTimeout");
            return this;
        }

        /**
         * The longest the binding holds the previous value for connections still using it (default: the
         * pool's own bound on a connection's life, after which it closes them by itself; else 30 minutes).
         */
        public Builder maxDrainTime(Duration maxDrainTime) {
            this.maxDrainTime = positive(maxDrainTime, "maxDrainTime");
            return this;
        }

        /**
         * How long one new physical connection that failed authentication may wait for the source to bring
         * other credentials (default 5 s; zero turns bridging off). Keep it under the pool's {@code
         * connectionTimeout}, or a caller waiting for that connection times out first.
         */
        public Builder authFailureBudget(Duration budget) {
            Objects.requireNonNull(budget, "authFailureBudget");
            if (budget.isNegative()) {
                throw new IllegalArgumentException("authFailureBudget must not be negative: " + budget);
            }
            this.authFailureBudget = budget;
            return this;
        }

        public Builder listener(RotationListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Sets the source's current credentials on the pool if it has not started, and follows the source
         * from now on.
         *
         * @throws SecretUnavailableException if the source has no value (no pool starts on no credentials)
         * @throws IllegalStateException if the pool is closed or already bound
         */
        public PoolBinding bind() {
            return new PoolBinding(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
